// helm-render: renders a Helm chart the way `helm template` does, for machines without the helm
// binary (there is no Debian package of Helm and no download here). It is built from the same
// libraries Helm 3 uses, from Debian's Go packages, in GOPATH mode:
//   - Go text/template with missingkey=zero and "<no value>" removed from the output,
//   - sprig v3 (TxtFuncMap without env/expandenv) plus Helm's own functions: include, tpl,
//     required, fail (sprig), toYaml/fromYaml/fromYamlArray/toJson/fromJson/fromJsonArray
//     (sigs.k8s.io/yaml), lookup (always empty, as in `helm template`),
//   - values: chart defaults coalesced with -f files (null deletes a default), subchart values
//     scoped under the subchart's name (or alias) with `global` copied down, dependencies
//     switched off by their `condition`,
//   - values.schema.json of every enabled chart checked with xeipuuv/gojsonschema (Helm <= 3.17),
//   - .Chart (Chart.yaml fields, capitalised), .Release, .Capabilities (KubeVersion,
//     APIVersions.Has), .Template (Name, BasePath), .Files.Get.
//
// Not implemented (the Patrol chart does not use them): toToml, .Files.Glob/AsConfig/AsSecrets,
// --set parsing (write a values file), library charts, import-values, tags.
//
// Usage: helm-render --chart DIR [-f values.yaml]... [--name R] [--namespace NS] [--kube-version 1.30.0]
// Prints JSON: {"manifests":[{"source":"patrol/templates/x.yaml","content":"..."}],"notes":"..."}.
// Exits 1 with the error on stderr when Helm would fail.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
	"github.com/Masterminds/sprig/v3"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// Metadata is Chart.yaml; templates see it as .Chart with these field names.
type Metadata struct {
	Name         string            `json:"name"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []map[string]any  `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

type Dependency struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	Repository string `json:"repository"`
	Condition  string `json:"condition,omitempty"`
	Alias      string `json:"alias,omitempty"`
}

type Chart struct {
	Meta      *Metadata
	Dir       string
	Values    map[string]any
	Schema    []byte
	Templates map[string]string // path relative to the chart dir (templates/x.yaml)
	Files     map[string][]byte // other files, for .Files.Get
	Subcharts map[string]*Chart // by directory name under charts/
}

// Files is .Files.
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// The built-in API group versions and kinds of a recent cluster (Helm's default set).
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v1", "autoscaling/v2",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"coordination.k8s.io/v1", "discovery.k8s.io/v1", "scheduling.k8s.io/v1",
	"apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet", "batch/v1/Job", "batch/v1/CronJob",
	"policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/Ingress", "networking.k8s.io/v1/NetworkPolicy",
	"autoscaling/v2/HorizontalPodAutoscaler",
}

func loadChart(dir string) (*Chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml file is missing in %s", dir)
	}
	meta := &Metadata{}
	if err := yaml.UnmarshalStrict(raw, meta); err != nil {
		return nil, fmt.Errorf("%s/Chart.yaml: %w", dir, err)
	}
	if meta.APIVersion != "v2" {
		return nil, fmt.Errorf("%s/Chart.yaml: apiVersion must be v2 (Helm 3), got %q", dir, meta.APIVersion)
	}
	if meta.Name == "" {
		return nil, fmt.Errorf("%s/Chart.yaml: name is required", dir)
	}
	if _, err := semver.StrictNewVersion(meta.Version); err != nil {
		return nil, fmt.Errorf("%s/Chart.yaml: version %q is not SemVer 2: %w", dir, meta.Version, err)
	}
	c := &Chart{Meta: meta, Dir: dir, Values: map[string]any{}, Templates: map[string]string{}, Files: map[string][]byte{}, Subcharts: map[string]*Chart{}}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if err := yaml.Unmarshal(raw, &c.Values); err != nil {
			return nil, fmt.Errorf("%s/values.yaml: %w", dir, err)
		}
		if c.Values == nil {
			c.Values = map[string]any{}
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.schema.json")); err == nil {
		c.Schema = raw
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			c.Templates[rel] = string(data)
		} else {
			c.Files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	subs, _ := os.ReadDir(filepath.Join(dir, "charts"))
	for _, s := range subs {
		if !s.IsDir() {
			return nil, fmt.Errorf("%s/charts/%s: packaged subcharts are not supported by this renderer (unpack it)", dir, s.Name())
		}
		sub, err := loadChart(filepath.Join(dir, "charts", s.Name()))
		if err != nil {
			return nil, err
		}
		c.Subcharts[sub.Meta.Name] = sub
	}
	for _, d := range meta.Dependencies {
		sub, ok := c.Subcharts[d.Name]
		if !ok {
			return nil, fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", d.Name)
		}
		if d.Version != "" {
			constraint, err := semver.NewConstraint(d.Version)
			if err != nil {
				return nil, fmt.Errorf("dependency %s: version %q: %w", d.Name, d.Version, err)
			}
			if !constraint.Check(semver.MustParse(sub.Meta.Version)) {
				return nil, fmt.Errorf("dependency %s: charts/ holds version %s, Chart.yaml asks for %s", d.Name, sub.Meta.Version, d.Version)
			}
		}
	}
	return c, nil
}

// coalesce merges src (higher priority) over dst defaults; a nil in src deletes the key.
func coalesce(src, defaults map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range defaults {
		out[k] = deepCopy(v)
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, sok := v.(map[string]any)
		dm, dok := out[k].(map[string]any)
		if sok && dok {
			out[k] = coalesce(sm, dm)
		} else {
			out[k] = deepCopy(v)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	default:
		return v
	}
}

func pathValue(vals map[string]any, dotted string) (any, bool) {
	var cur any = vals
	for _, part := range strings.Split(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

type renderable struct {
	data     map[string]any
	basePath string
}

type renderer struct {
	templates map[string]string
	scopes    map[string]renderable
	schemaErr []string
}

// prepare computes the values of chart c (already coalesced for it) and of its enabled
// subcharts, validates them against the charts' schemas and collects their templates.
func (r *renderer) prepare(c *Chart, vals map[string]any, top map[string]any, prefix string) error {
	scope := map[string]any{
		"Values":       vals,
		"Chart":        c.Meta,
		"Release":      top["Release"],
		"Capabilities": top["Capabilities"],
		"Files":        Files(c.Files),
	}
	chartPath := prefix + c.Meta.Name
	for rel, text := range c.Templates {
		name := chartPath + "/" + rel
		r.templates[name] = text
		r.scopes[name] = renderable{data: scope, basePath: chartPath + "/templates"}
	}
	for _, d := range c.Meta.Dependencies {
		key := d.Name
		if d.Alias != "" {
			key = d.Alias
		}
		if d.Condition != "" {
			enabled := true
			for _, cond := range strings.Split(d.Condition, ",") {
				if v, ok := pathValue(vals, strings.TrimSpace(cond)); ok {
					if b, isBool := v.(bool); isBool {
						enabled = b
						break
					}
				}
			}
			if !enabled {
				continue
			}
		}
		sub := c.Subcharts[d.Name]
		own, _ := vals[key].(map[string]any)
		subVals := coalesce(own, sub.Values)
		parentGlobal, _ := vals["global"].(map[string]any)
		subGlobal, _ := subVals["global"].(map[string]any)
		subVals["global"] = coalesce(parentGlobal, subGlobal)
		vals[key] = subVals
		meta := *sub.Meta
		meta.Name = key
		subChart := *sub
		subChart.Meta = &meta
		if err := r.prepare(&subChart, subVals, top, chartPath+"/charts/"); err != nil {
			return err
		}
	}
	// Like Helm, a chart's schema sees its values with its enabled subcharts' defaults merged in.
	if c.Schema != nil {
		res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(c.Schema), gojsonschema.NewGoLoader(vals))
		if err != nil {
			return fmt.Errorf("%s/values.schema.json: %w", c.Meta.Name, err)
		}
		for _, e := range res.Errors() {
			r.schemaErr = append(r.schemaErr, fmt.Sprintf("%s:\n- %s", c.Meta.Name, e.String()))
		}
	}
	return nil
}

func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	includes := map[string]int{}
	f["include"] = func(name string, data any) (string, error) {
		if includes[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includes[name]++
		defer func() { includes[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data map[string]any) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		name := "tpl"
		if tmpl, ok := data["Template"].(map[string]any); ok {
			name = fmt.Sprint(tmpl["Name"])
		}
		parsed, err := clone.New(name + "#tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		var buf strings.Builder
		if err := parsed.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(msg string, v any) (any, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["toYaml"] = func(v any) string {
		out, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	f["fromYaml"] = func(s string) map[string]any {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []any {
		a := []any{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []any{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v any) string {
		out, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(out)
	}
	f["fromJson"] = func(s string) map[string]any {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJsonArray"] = func(s string) []any {
		a := []any{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			a = []any{err.Error()}
		}
		return a
	}
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		return map[string]any{}, nil
	}
	return f
}

// byDepth puts templates of the parent chart before deeper ones, then by name (Helm's order).
func byDepth(names []string) {
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type manifest struct {
	Source  string `json:"source"`
	Content string `json:"content"`
}

func run() error {
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kube := flag.String("kube-version", "1.30.0", "Kubernetes version for .Capabilities")
	var valueFiles multiFlag
	flag.Var(&valueFiles, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("--chart is required")
	}
	c, err := loadChart(*chartDir)
	if err != nil {
		return err
	}
	kv, err := semver.NewVersion(*kube)
	if err != nil {
		return fmt.Errorf("--kube-version: %w", err)
	}
	if c.Meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.Meta.KubeVersion)
		if err != nil {
			return fmt.Errorf("Chart.yaml kubeVersion: %w", err)
		}
		if !constraint.Check(kv) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes v%s", c.Meta.KubeVersion, kv)
		}
	}
	user := map[string]any{}
	for _, f := range valueFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		user = mergeUser(user, m)
	}
	top := map[string]any{
		"Release": map[string]any{
			"Name": *release, "Namespace": *namespace, "IsInstall": true, "IsUpgrade": false, "Revision": 1, "Service": "Helm",
		},
		"Capabilities": &Capabilities{
			KubeVersion: KubeVersion{Version: "v" + kv.String(), Major: fmt.Sprint(kv.Major()), Minor: fmt.Sprint(kv.Minor()), GitVersion: "v" + kv.String()},
			APIVersions: VersionSet(defaultAPIVersions),
			HelmVersion: map[string]string{"Version": "v3-compatible (helm-render)"},
		},
	}
	r := &renderer{templates: map[string]string{}, scopes: map[string]renderable{}}
	vals := coalesce(user, c.Values)
	if err := r.prepare(c, vals, top, ""); err != nil {
		return err
	}
	if len(r.schemaErr) > 0 {
		return fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", strings.Join(r.schemaErr, "\n"))
	}

	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(r.templates))
	for n := range r.templates {
		names = append(names, n)
	}
	byDepth(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(r.templates[n]); err != nil {
			return fmt.Errorf("parse error in (%s): %w", n, err)
		}
	}
	out := struct {
		Manifests []manifest `json:"manifests"`
		Notes     string     `json:"notes"`
	}{Manifests: []manifest{}}
	rootNotes := c.Meta.Name + "/templates/NOTES.txt"
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		s := r.scopes[n]
		data := map[string]any{}
		for k, v := range s.data {
			data[k] = v
		}
		data["Template"] = map[string]any{"Name": n, "BasePath": s.basePath}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, data); err != nil {
			return fmt.Errorf("execution error in (%s): %w", n, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.HasSuffix(n, "/NOTES.txt") {
			if n == rootNotes {
				out.Notes = text
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		out.Manifests = append(out.Manifests, manifest{Source: n, Content: text})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

// mergeUser merges value files the way `helm -f a -f b` does: later files win, maps merge.
func mergeUser(base, over map[string]any) map[string]any {
	out := deepCopy(base).(map[string]any)
	for k, v := range over {
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = mergeUser(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
