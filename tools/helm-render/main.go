// Command helm-render renders a Helm 3 chart the way `helm template` does, for tests on machines
// where no helm binary can be installed (docs: tools/helm-render/README.md).
//
// It is built offline from Debian's Go packages (text/template, sprig v3, yaml.v2,
// gojsonschema, BurntSushi/toml, Masterminds/semver), the same libraries Helm 3 builds on, and
// follows Helm's engine: the function map (sprig without env/expandenv, plus include, tpl,
// required, toYaml, fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, toToml, fromToml and
// lookup returning an empty map as in `helm template`), missingkey=zero with "<no value>"
// removed, partials (_*) and NOTES.txt not emitted, values coalesced (chart values.yaml under the
// user's -f files and --set, null deleting a key) and validated against values.schema.json with
// gojsonschema before rendering, and the manifests split, sorted by kind and printed as
// "---\n# Source: <chart>/templates/<file>\n<doc>\n".
//
// Not supported (the synthctl chart needs none of it): subcharts and dependencies, hooks
// ordering by weight, library charts, values templates, --strict, cluster lookups.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver"
	"github.com/xeipuuv/gojsonschema"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type options struct {
	chartDir    string
	release     string
	namespace   string
	valueFiles  multiFlag
	sets        multiFlag
	setStrings  multiFlag
	kubeVersion string
	apiVersions multiFlag
	includeCRDs bool
	isUpgrade   bool
	notesFile   string
	printValues bool
	skipSchema  bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("helm-render", flag.ContinueOnError)
	fs.StringVar(&o.chartDir, "chart", "", "chart directory (required)")
	fs.StringVar(&o.release, "release", "release-name", "release name (.Release.Name)")
	fs.StringVar(&o.namespace, "namespace", "default", "release namespace (.Release.Namespace)")
	fs.Var(&o.valueFiles, "f", "values file (repeatable; later files win)")
	fs.Var(&o.valueFiles, "values", "values file (repeatable; later files win)")
	fs.Var(&o.sets, "set", "set values on the command line (key=value, repeatable)")
	fs.Var(&o.setStrings, "set-string", "set STRING values on the command line (repeatable)")
	fs.StringVar(&o.kubeVersion, "kube-version", "v1.31.0", "Kubernetes version for .Capabilities.KubeVersion")
	fs.Var(&o.apiVersions, "api-versions", "extra API versions for .Capabilities.APIVersions (repeatable)")
	fs.BoolVar(&o.includeCRDs, "include-crds", false, "include the chart's crds/ in the output")
	fs.BoolVar(&o.isUpgrade, "is-upgrade", false, "set .Release.IsUpgrade instead of .Release.IsInstall")
	fs.StringVar(&o.notesFile, "notes-file", "", "write the rendered NOTES.txt to this file")
	fs.BoolVar(&o.printValues, "print-values", false, "print the coalesced values as JSON instead of rendering")
	fs.BoolVar(&o.skipSchema, "skip-schema-validation", false, "do not validate values against values.schema.json")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "Error: unexpected arguments %q (charts are given with --chart)\n", fs.Args())
		os.Exit(2)
	}
	if o.chartDir == "" {
		fmt.Fprintln(os.Stderr, "Error: --chart is required")
		os.Exit(2)
	}
	out, err := run(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func run(o options) (string, error) {
	ch, err := loadChart(o.chartDir)
	if err != nil {
		return "", err
	}
	user := map[string]interface{}{}
	for _, file := range o.valueFiles {
		data, err := ioutil.ReadFile(file)
		if err != nil {
			return "", err
		}
		current := map[string]interface{}{}
		if err := yamlUnmarshal(data, &current); err != nil {
			return "", fmt.Errorf("failed to parse %s: %s", file, err)
		}
		user = mergeMaps(user, current)
	}
	for _, s := range o.sets {
		if err := parseSet(s, user, false); err != nil {
			return "", fmt.Errorf("failed parsing --set data: %s", err)
		}
	}
	for _, s := range o.setStrings {
		if err := parseSet(s, user, true); err != nil {
			return "", fmt.Errorf("failed parsing --set-string data: %s", err)
		}
	}
	values := coalesceRoot(ch.values, user)
	if o.printValues {
		b, err := json.MarshalIndent(values, "", "  ")
		return string(b) + "\n", err
	}
	caps, err := newCapabilities(o.kubeVersion, o.apiVersions)
	if err != nil {
		return "", err
	}
	if ch.meta.KubeVersion != "" && !isCompatibleRange(ch.meta.KubeVersion, caps.KubeVersion.Version) {
		return "", fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			ch.meta.KubeVersion, caps.KubeVersion.Version)
	}
	if ch.schema != nil && !o.skipSchema {
		if err := validateAgainstSchema(values, ch.schema); err != nil {
			return "", fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s",
				ch.meta.Name, err)
		}
	}
	top := map[string]interface{}{
		"Chart":        chartObject{Metadata: *ch.meta, IsRoot: true},
		"Capabilities": caps,
		"Release": map[string]interface{}{
			"Name":      o.release,
			"Namespace": o.namespace,
			"Revision":  1,
			"IsUpgrade": o.isUpgrade,
			"IsInstall": !o.isUpgrade,
			"Service":   "Helm",
		},
		"Values":    Values(values),
		"Files":     ch.files,
		"Subcharts": map[string]interface{}{},
	}
	tpls := map[string]renderable{}
	for name, data := range ch.templates {
		tpls[path.Join(ch.meta.Name, name)] = renderable{tpl: data, vals: top, basePath: path.Join(ch.meta.Name, "templates")}
	}
	rendered, err := renderWithReferences(tpls, tpls)
	if err != nil {
		return "", err
	}
	for name, content := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") {
			if o.notesFile != "" && name == path.Join(ch.meta.Name, "templates", "NOTES.txt") {
				if err := ioutil.WriteFile(o.notesFile, []byte(content), 0o644); err != nil {
					return "", err
				}
			}
			delete(rendered, name)
		}
	}
	manifests, hooks, err := sortManifests(rendered)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if o.includeCRDs {
		for _, name := range ch.crdNames() {
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", path.Join(ch.meta.Name, name), string(ch.files[name]))
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.name, m.content)
	}
	for _, m := range hooks {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.name, m.content)
	}
	return b.String(), nil
}

// --- chart loading -------------------------------------------------------------------------

// Metadata mirrors Helm's chart.Metadata: templates see capitalised fields (.Chart.AppVersion).
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// chartObject is .Chart: the metadata's fields plus IsRoot, as Helm's engine builds it.
type chartObject struct {
	Metadata
	IsRoot bool
}

// Maintainer mirrors Helm's chart.Maintainer.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type chart struct {
	meta      *Metadata
	values    map[string]interface{}
	schema    []byte
	templates map[string]string // "templates/x.yaml" → source
	files     Files             // everything else, crds/ included, as Helm's chart.Files
}

func (c *chart) crdNames() []string {
	var names []string
	for name := range c.files {
		if strings.HasPrefix(name, "crds/") && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json")) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func loadChart(dir string) (*chart, error) {
	ignore, err := readHelmignore(filepath.Join(dir, ".helmignore"))
	if err != nil {
		return nil, err
	}
	c := &chart{values: map[string]interface{}{}, templates: map[string]string{}, files: Files{}}
	var chartYAML []byte
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignore.ignored(rel, info.IsDir()) {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			if rel == "charts" {
				entries, _ := ioutil.ReadDir(p)
				if len(entries) > 0 {
					return errors.New("helm-render does not support subcharts (charts/ is not empty)")
				}
			}
			return nil
		}
		data, err := ioutil.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml":
			chartYAML = data
		case rel == "values.yaml":
			if err := yamlUnmarshal(data, &c.values); err != nil {
				return fmt.Errorf("cannot load values.yaml: %s", err)
			}
		case rel == "values.schema.json":
			c.schema = data
		case rel == "Chart.lock" || rel == "requirements.yaml" || rel == "requirements.lock":
		case strings.HasPrefix(rel, "templates/"):
			// Helm's default ignore rule: dot files in templates/ are not templates.
			if strings.HasPrefix(path.Base(rel), ".") {
				return nil
			}
			c.templates[rel] = string(data)
		default:
			c.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if chartYAML == nil {
		return nil, fmt.Errorf("Chart.yaml file is missing in %s", dir)
	}
	c.meta = &Metadata{}
	if err := yamlUnmarshal(chartYAML, c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %s", err)
	}
	if err := validateMetadata(c.meta); err != nil {
		return nil, fmt.Errorf("validation: %s", err)
	}
	if c.schema != nil && !json.Valid(c.schema) {
		return nil, errors.New("values.schema.json is not valid JSON")
	}
	return c, nil
}

func validateMetadata(m *Metadata) error {
	if m.APIVersion == "" {
		return errors.New("chart.metadata.apiVersion is required")
	}
	if m.APIVersion != "v1" && m.APIVersion != "v2" {
		return fmt.Errorf("chart.metadata.apiVersion %q is invalid", m.APIVersion)
	}
	if m.Name == "" {
		return errors.New("chart.metadata.name is required")
	}
	if m.Version == "" {
		return errors.New("chart.metadata.version is required")
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		return fmt.Errorf("chart.metadata.version %q is invalid", m.Version)
	}
	if m.Type != "" && m.Type != "application" {
		return fmt.Errorf("chart type %q is not supported by helm-render", m.Type)
	}
	if len(m.Dependencies) > 0 {
		return errors.New("helm-render does not support chart dependencies")
	}
	return nil
}

// helmignore keeps the simple forms of .helmignore rules: globs on the base name, globs with a
// slash on the relative path, a trailing slash for directories only, and ! to negate.
type helmignore []struct {
	pattern string
	negate  bool
	dirOnly bool
}

func readHelmignore(file string) (helmignore, error) {
	data, err := ioutil.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rules helmignore
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := struct {
			pattern string
			negate  bool
			dirOnly bool
		}{}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		}
		if strings.HasSuffix(line, "/") {
			r.dirOnly, line = true, strings.TrimSuffix(line, "/")
		}
		r.pattern = strings.TrimPrefix(line, "/")
		rules = append(rules, r)
	}
	return rules, nil
}

func (h helmignore) ignored(rel string, isDir bool) bool {
	if rel == ".helmignore" {
		return false
	}
	ignored := false
	for _, r := range h {
		if r.dirOnly && !isDir {
			continue
		}
		target := path.Base(rel)
		if strings.Contains(r.pattern, "/") {
			target = rel
		}
		if ok, _ := path.Match(r.pattern, target); ok {
			ignored = !r.negate
		}
	}
	return ignored
}

// --- values -------------------------------------------------------------------------------

// Values mirrors chartutil.Values, the type of .Values.
type Values map[string]interface{}

// YAML renders the values as YAML (chartutil.Values.YAML).
func (v Values) YAML() (string, error) {
	b, err := yamlMarshal(map[string]interface{}(v))
	return string(b), err
}

// AsMap returns the values as a plain map (chartutil.Values.AsMap).
func (v Values) AsMap() map[string]interface{} { return v }

// Table returns a nested table by dotted name (chartutil.Values.Table).
func (v Values) Table(name string) (Values, error) {
	table := v
	for _, part := range strings.Split(name, ".") {
		next, ok := table[part].(map[string]interface{})
		if !ok {
			if nv, ok := table[part].(Values); ok {
				next = nv
			} else {
				return Values{}, fmt.Errorf("no table named %q", name)
			}
		}
		table = next
	}
	return table, nil
}

// PathValue returns the value at a dotted path (chartutil.Values.PathValue).
func (v Values) PathValue(p string) (interface{}, error) {
	parts := strings.Split(p, ".")
	table := map[string]interface{}(v)
	for i, part := range parts {
		val, ok := table[part]
		if !ok {
			return nil, fmt.Errorf("%v is not a value", p)
		}
		if i == len(parts)-1 {
			return val, nil
		}
		switch t := val.(type) {
		case map[string]interface{}:
			table = t
		case Values:
			table = t
		default:
			return nil, fmt.Errorf("%v is not a value", p)
		}
	}
	return nil, fmt.Errorf("%v is not a value", p)
}

// mergeMaps merges user value files and --set in order (helm's pkg/cli/values): maps merge
// recursively, anything else (null included) replaces.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(bv, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesceRoot puts the chart's values.yaml under the user's values (chartutil.CoalesceValues):
// user values win, tables merge, and a user null deletes the chart's key.
func coalesceRoot(chartValues, user map[string]interface{}) map[string]interface{} {
	v := copyTable(user)
	for key, val := range copyTable(chartValues) {
		if value, ok := v[key]; ok {
			if value == nil {
				delete(v, key)
			} else if dest, ok := value.(map[string]interface{}); ok {
				if src, ok := val.(map[string]interface{}); ok {
					coalesceTables(dest, src, key)
				} else {
					fmt.Fprintf(os.Stderr, "warning: skipped value for %s: Not a table.\n", key)
				}
			}
		} else {
			v[key] = val
		}
	}
	return v
}

func coalesceTables(dst, src map[string]interface{}, prefix string) {
	for key, val := range src {
		full := prefix + "." + key
		if dv, ok := dst[key]; ok && dv == nil {
			delete(dst, key)
		} else if !ok {
			dst[key] = val
		} else if srcTable, ok := val.(map[string]interface{}); ok {
			if dstTable, ok := dv.(map[string]interface{}); ok {
				coalesceTables(dstTable, srcTable, full)
			} else {
				fmt.Fprintf(os.Stderr, "warning: cannot overwrite table with non table for %s (%v)\n", full, val)
			}
		}
	}
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			out[k] = deepCopy(val)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			out[i] = deepCopy(val)
		}
		return out
	default:
		return v
	}
}

// copyTable deep-copies a values table; a nil table is an empty one.
func copyTable(t map[string]interface{}) map[string]interface{} {
	if t == nil {
		return map[string]interface{}{}
	}
	return deepCopy(t).(map[string]interface{})
}

// validateAgainstSchema is chartutil.ValidateAgainstSingleSchema: the values as JSON checked by
// gojsonschema, one "- field: message" line per error.
func validateAgainstSchema(values map[string]interface{}, schema []byte) error {
	valuesJSON, err := json.Marshal(values)
	if err != nil {
		return err
	}
	if bytes.Equal(valuesJSON, []byte("null")) {
		valuesJSON = []byte("{}")
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(valuesJSON))
	if err != nil {
		return err
	}
	if result.Valid() {
		return nil
	}
	var sb strings.Builder
	for _, desc := range result.Errors() {
		sb.WriteString(fmt.Sprintf("- %s\n", desc))
	}
	return errors.New(sb.String())
}

// --- capabilities -----------------------------------------------------------------------------

// KubeVersion mirrors chartutil.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

// String is the version, as `{{ .Capabilities.KubeVersion }}` prints it.
func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is the deprecated alias of Version that charts still use.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet mirrors chartutil.VersionSet.
type VersionSet []string

// Has reports whether an API version ("apps/v1") or resource ("apps/v1/Deployment") is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// HelmVersion mirrors Helm's version.BuildInfo.
type HelmVersion struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}

// Capabilities mirrors chartutil.Capabilities.
type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion HelmVersion
}

// The built-in API group versions of a current cluster (helm template's default set lists the
// group versions client-go was built with; charts only ask Has for a few of them).
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1",
	"policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

func newCapabilities(kubeVersion string, extra []string) (*Capabilities, error) {
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("invalid kube version %q: %s", kubeVersion, err)
	}
	apis := append(VersionSet{}, defaultAPIVersions...)
	for _, e := range extra {
		for _, a := range strings.Split(e, ",") {
			if a = strings.TrimSpace(a); a != "" {
				apis = append(apis, a)
			}
		}
	}
	return &Capabilities{
		APIVersions: apis,
		KubeVersion: KubeVersion{Version: "v" + v.String(), Major: fmt.Sprint(v.Major()), Minor: fmt.Sprint(v.Minor())},
		HelmVersion: HelmVersion{Version: "v3.16.0", GoVersion: "helm-render"},
	}, nil
}

// isCompatibleRange is chartutil.IsCompatibleRange.
func isCompatibleRange(constraint, version string) bool {
	sv, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	return c.Check(sv)
}

// --- manifests ----------------------------------------------------------------------------

type manifest struct {
	name    string
	content string
	kind    string
}

var manifestSep = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitManifests is releaseutil.SplitManifests: documents in order, blank ones dropped.
func splitManifests(big string) []string {
	var docs []string
	for _, d := range manifestSep.Split(strings.TrimSpace(big), -1) {
		if d == "" {
			continue
		}
		docs = append(docs, strings.TrimSpace(d))
	}
	return docs
}

// installOrder is releaseutil.InstallOrder.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

// sortManifests is releaseutil.SortManifests for `helm template`: files in name order, documents
// in file order, then a stable sort by install order of kinds (unknown kinds last, by kind).
func sortManifests(files map[string]string) ([]manifest, []manifest, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var generic, hooks []manifest
	for _, name := range names {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		for _, doc := range splitManifests(content) {
			var head struct {
				Kind     string `json:"kind"`
				Metadata *struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			}
			if err := yamlUnmarshal([]byte(doc), &head); err != nil {
				return nil, nil, fmt.Errorf("YAML parse error on %s: %s", name, err)
			}
			m := manifest{name: name, content: doc, kind: head.Kind}
			if head.Metadata != nil && head.Metadata.Annotations["helm.sh/hook"] != "" {
				hooks = append(hooks, m)
				continue
			}
			generic = append(generic, m)
		}
	}
	order := map[string]int{}
	for i, k := range installOrder {
		order[k] = i
	}
	sort.SliceStable(generic, func(i, j int) bool {
		a, aok := order[generic[i].kind]
		b, bok := order[generic[j].kind]
		switch {
		case aok && bok:
			return a < b
		case aok != bok:
			return aok
		default:
			return generic[i].kind < generic[j].kind
		}
	})
	return generic, hooks, nil
}
