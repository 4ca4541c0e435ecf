{{- define "engine.name" -}}
{{ .Chart.Name }}-{{ .Release.Name }}
{{- end }}
{{- define "engine.labels" -}}
app: {{ include "engine.name" . }}
chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}
