{{/*
Names, labels and shared fragments of the synthctl chart.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "synthctl.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name: fullnameOverride, else the release name when it contains the chart name, else
<release>-<chart>. Names get suffixes (-operator, -runner-metrics), so it stays short.
*/}}
{{- define "synthctl.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The namespace of every namespaced object: namespace.name, else the release namespace. */}}
{{- define "synthctl.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name }}
{{- end }}

{{/* chart label value. */}}
{{- define "synthctl.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The standard labels of every object. */}}
{{- define "synthctl.labels" -}}
helm.sh/chart: {{ include "synthctl.chart" . }}
{{ include "synthctl.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: synthctl
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels shared by every component. */}}
{{- define "synthctl.selectorLabels" -}}
app.kubernetes.io/name: {{ include "synthctl.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of a component: dict "root" $ "component" "operator". */}}
{{- define "synthctl.componentLabels" -}}
{{ include "synthctl.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of a component: dict "root" $ "component" "operator". */}}
{{- define "synthctl.componentSelectorLabels" -}}
{{ include "synthctl.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* ServiceAccount names. */}}
{{- define "synthctl.operatorServiceAccount" -}}
{{- default (printf "%s-operator" (include "synthctl.fullname" .)) .Values.operator.serviceAccount.name }}
{{- end }}
{{- define "synthctl.runnerServiceAccount" -}}
{{- default (printf "%s-runner" (include "synthctl.fullname" .)) .Values.runner.serviceAccount.name }}
{{- end }}

{{/*
An image reference: repository@digest when a digest is set, else repository:tag.
dict "repository" "..." "tag" "..." "digest" "..."
*/}}
{{- define "synthctl.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/* The standard image (operator; runner without the browser variant). */}}
{{- define "synthctl.image" -}}
{{- include "synthctl.imageRef" (dict "repository" .Values.image.repository "tag" (default .Chart.AppVersion .Values.image.tag) "digest" .Values.image.digest) }}
{{- end }}

{{/* The runner image: the browser variant (<tag>-browser) when runner.browser.enabled. */}}
{{- define "synthctl.runnerImage" -}}
{{- if .Values.runner.browser.enabled }}
{{- $b := .Values.runner.browser.image }}
{{- if and .Values.image.digest (not $b.digest) }}
{{- fail "runner.browser.image.digest: image.digest pins the standard image; set the digest of the browser variant too" }}
{{- end }}
{{- $tag := default (printf "%s-browser" (default .Chart.AppVersion .Values.image.tag)) $b.tag }}
{{- include "synthctl.imageRef" (dict "repository" (default .Values.image.repository $b.repository) "tag" $tag "digest" $b.digest) }}
{{- else }}
{{- include "synthctl.image" . }}
{{- end }}
{{- end }}

{{/* imagePullSecrets of a pod spec (names or {name} objects). */}}
{{- define "synthctl.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
{{- if kindIs "string" . }}
  - name: {{ . }}
{{- else }}
  - name: {{ .name }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Scheduling of a pod spec: a component's own nodeSelector/tolerations/affinity, else the global.
dict "root" $ "own" .Values.operator
*/}}
{{- define "synthctl.scheduling" -}}
{{- with (default .root.Values.nodeSelector .own.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default .root.Values.tolerations .own.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default .root.Values.affinity .own.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod securityContext of the restricted Pod Security profile (the image's user 65532). */}}
{{- define "synthctl.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  fsGroup: 65532
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/*
The container securityContext: restricted; with netRaw (runner.icmp.mode netRaw) NET_RAW added
and privilege escalation allowed, both of which fping's file capability cap_net_raw+ep needs
(under no_new_privs the kernel ignores file capabilities).
*/}}
{{- define "synthctl.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: {{ .netRaw | ternary "true" "false" }}
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop: [ALL]
    {{- if .netRaw }}
    add: [NET_RAW]
    {{- end }}
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/* Whether any runner adds NET_RAW ("true" or ""). */}}
{{- define "synthctl.runnerNeedsNetRaw" -}}
{{- if and .Values.runner.enabled (eq .Values.runner.icmp.mode "netRaw") }}true{{ end }}
{{- end }}
