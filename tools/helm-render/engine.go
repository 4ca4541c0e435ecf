package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

// renderable is one template with the values it executes with (engine.renderable).
type renderable struct {
	tpl      string
	vals     map[string]interface{}
	basePath string
}

const (
	warnStartDelim   = "HELM_ERR_START"
	warnEndDelim     = "HELM_ERR_END"
	recursionMaxNums = 1000
)

var warnRegex = regexp.MustCompile(warnStartDelim + `((?s).*)` + warnEndDelim)

func warnWrap(warn string) string { return warnStartDelim + warn + warnEndDelim }

// funcMap is Helm's: sprig's text functions without env and expandenv, plus Helm's own.
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toToml":        toTOML,
		"fromToml":      fromTOML,
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		// `helm template` has no cluster: lookup finds nothing.
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// initFuncMap adds the functions bound to the template set: include, tpl and required.
func initFuncMap(t *template.Template, referenceTpls map[string]renderable) {
	fm := funcMap()
	includedNames := map[string]int{}
	fm["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if v, ok := includedNames[name]; ok {
			if v > recursionMaxNums {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			includedNames[name]++
		} else {
			includedNames[name] = 1
		}
		err := t.ExecuteTemplate(&buf, name, data)
		includedNames[name]--
		return buf.String(), err
	}
	fm["tpl"] = func(tpl string, vals Values) (string, error) {
		basePath, err := vals.PathValue("Template.BasePath")
		if err != nil {
			return "", fmt.Errorf("cannot retrieve Template.Basepath from values inside tpl function: %s: %s", tpl, err)
		}
		templateName, err := vals.PathValue("Template.Name")
		if err != nil {
			return "", fmt.Errorf("cannot retrieve Template.Name from values inside tpl function: %s: %s", tpl, err)
		}
		name, _ := templateName.(string)
		base, _ := basePath.(string)
		templates := map[string]renderable{name: {tpl: tpl, vals: vals, basePath: base}}
		result, err := renderWithReferences(templates, referenceTpls)
		if err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %s", tpl, err)
		}
		return result[name], nil
	}
	// Helm overrides sprig's fail so the message is reported like required's.
	fm["fail"] = func(msg string) (string, error) {
		return "", errors.New(warnWrap(msg))
	}
	fm["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnWrap(warn))
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warnWrap(warn))
		}
		return val, nil
	}
	t.Funcs(fm)
}

// renderWithReferences parses every template (and the reference templates tpl may include)
// into one set and executes each non-partial one (engine.renderWithReferences).
func renderWithReferences(tpls, referenceTpls map[string]renderable) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New("gotpl")
	t.Option("missingkey=zero")
	initFuncMap(t, referenceTpls)
	keys := sortTemplates(tpls)
	for _, filename := range keys {
		if _, err := t.New(filename).Parse(tpls[filename].tpl); err != nil {
			return nil, cleanupParseError(filename, err)
		}
	}
	for _, filename := range sortTemplates(referenceTpls) {
		if t.Lookup(filename) == nil {
			if _, err := t.New(filename).Parse(referenceTpls[filename].tpl); err != nil {
				return nil, cleanupParseError(filename, err)
			}
		}
	}
	rendered = make(map[string]string, len(keys))
	for _, filename := range keys {
		if strings.HasPrefix(path.Base(filename), "_") {
			continue
		}
		vals := tpls[filename].vals
		vals["Template"] = Values{"Name": filename, "BasePath": tpls[filename].basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, filename, vals); err != nil {
			return nil, cleanupExecError(filename, err)
		}
		// missingkey=zero still prints "<no value>" for interface values; Helm removes it.
		rendered[filename] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

// sortTemplates orders by path depth then name, descending (engine.sortTemplates).
func sortTemplates(tpls map[string]renderable) []string {
	keys := make([]string, 0, len(tpls))
	for k := range tpls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
	return keys
}

func cleanupParseError(filename string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", filename, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

func cleanupExecError(filename string, err error) error {
	if _, ok := err.(template.ExecError); !ok {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", filename, err)
	}
	if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}

// --- YAML as sigs.k8s.io/yaml does it: through JSON ---------------------------------------

// yamlUnmarshal is sigs.k8s.io/yaml.Unmarshal: YAML (yaml.v2) converted to JSON, then decoded
// with encoding/json, so numbers in values files become float64 as in Helm.
func yamlUnmarshal(data []byte, target interface{}) error {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	converted, err := jsonable(raw)
	if err != nil {
		return err
	}
	j, err := json.Marshal(converted)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, target)
}

func jsonable(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			var key string
			switch kt := k.(type) {
			case string:
				key = kt
			case int:
				key = strconv.Itoa(kt)
			case int64:
				key = strconv.FormatInt(kt, 10)
			case float64:
				key = strconv.FormatFloat(kt, 'g', -1, 64)
			case bool:
				key = strconv.FormatBool(kt)
			default:
				return nil, fmt.Errorf("unsupported map key %#v", k)
			}
			c, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			out[key] = c
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			c, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// yamlMarshal is sigs.k8s.io/yaml.Marshal: JSON first, then JSON to YAML with yaml.v2 (sorted
// keys, JSON field names).
func yamlMarshal(v interface{}) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	return yaml.Marshal(obj)
}

func toYAML(v interface{}) string {
	data, err := yamlMarshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yamlUnmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := yamlUnmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toTOML(v interface{}) string {
	b := bytes.NewBuffer(nil)
	if err := toml.NewEncoder(b).Encode(v); err != nil {
		return err.Error()
	}
	return b.String()
}

func fromTOML(str string) map[string]interface{} {
	m := make(map[string]interface{})
	if _, err := toml.Decode(str, &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := make(map[string]interface{})
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// --- .Files (engine.files) ---------------------------------------------------------------

// Files are the chart's non-template files by relative path, as .Files sees them.
type Files map[string][]byte

// GetBytes returns a file's content, nil when absent.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Get returns a file's content as a string, "" when absent.
func (f Files) Get(name string) string { return string(f.GetBytes(name)) }

// Glob returns the files whose path matches a gobwas-style glob with '/' as separator.
func (f Files) Glob(pattern string) Files {
	re, err := globRegexp(pattern)
	nf := Files{}
	if err != nil {
		return nf
	}
	for name, contents := range f {
		if re.MatchString(name) {
			nf[name] = contents
		}
	}
	return nf
}

// AsConfig renders the files as ConfigMap data: base name → content, as YAML.
func (f Files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := make(map[string]string)
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}

// AsSecrets renders the files as Secret data: base name → base64 content, as YAML.
func (f Files) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := make(map[string]string)
	for k, v := range f {
		m[path.Base(k)] = base64.StdEncoding.EncodeToString(v)
	}
	return toYAML(m)
}

// Lines returns a file's lines, without a final empty line.
func (f Files) Lines(p string) []string {
	if f == nil || f[p] == nil {
		return []string{}
	}
	s := string(f[p])
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\n")
}

// globRegexp translates gobwas/glob syntax (*, **, ?, [...], [!...], {a,b}) with separator '/'.
func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end := strings.IndexByte(pattern[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", pattern)
			}
			class := pattern[i+1 : i+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("unmatched } in %q", pattern)
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteString(regexp.QuoteMeta(string(pattern[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unclosed { in %q", pattern)
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// --- --set (a subset of helm's strvals) ----------------------------------------------------

// parseSet applies "a.b=1,c[0]=x,d={e,f}" to values, typed as helm's strvals does: true,
// false, null and integers (int64) unless --set-string.
func parseSet(s string, values map[string]interface{}, asString bool) error {
	for _, assignment := range splitUnescaped(s, ',', true) {
		if assignment == "" {
			continue
		}
		eq := indexUnescaped(assignment, '=')
		if eq < 0 {
			return fmt.Errorf("key %q has no value", assignment)
		}
		key, raw := assignment[:eq], assignment[eq+1:]
		var value interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			list := []interface{}{}
			for _, item := range splitUnescaped(raw[1:len(raw)-1], ',', false) {
				list = append(list, typedVal(unescape(item), asString))
			}
			value = list
		} else {
			value = typedVal(unescape(raw), asString)
		}
		if err := setPath(values, splitUnescaped(key, '.', false), value); err != nil {
			return fmt.Errorf("%s: %s", key, err)
		}
	}
	return nil
}

var indexRe = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

func setPath(m map[string]interface{}, parts []string, value interface{}) error {
	part := unescape(parts[0])
	last := len(parts) == 1
	if match := indexRe.FindStringSubmatch(part); match != nil {
		name := match[1]
		idx, _ := strconv.Atoi(match[2])
		list, _ := m[name].([]interface{})
		for len(list) <= idx {
			list = append(list, nil)
		}
		if last {
			list[idx] = value
		} else {
			child, ok := list[idx].(map[string]interface{})
			if !ok {
				child = map[string]interface{}{}
			}
			if err := setPath(child, parts[1:], value); err != nil {
				return err
			}
			list[idx] = child
		}
		m[name] = list
		return nil
	}
	if last {
		m[part] = value
		return nil
	}
	child, ok := m[part].(map[string]interface{})
	if !ok {
		child = map[string]interface{}{}
		m[part] = child
	}
	return setPath(child, parts[1:], value)
}

func typedVal(val string, asString bool) interface{} {
	if asString {
		return val
	}
	switch strings.ToLower(val) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if val == "0" {
		return int64(0)
	}
	if len(val) > 0 && val[0] != '0' {
		if i, err := strconv.ParseInt(val, 10, 64); err == nil {
			return i
		}
	}
	return val
}

// splitUnescaped splits on sep not preceded by a backslash (and, at top level, not inside {}).
func splitUnescaped(s string, sep byte, braces bool) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case braces && s[i] == '{':
			depth++
		case braces && s[i] == '}':
			depth--
		case s[i] == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
