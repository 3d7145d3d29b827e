package results

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Pseudo-parameters every run has besides its Params.
const (
	ParamExperiment = "experiment"
	ParamSeed       = "seed"
)

// ParamText returns a parameter of the run as text: strings as they are,
// numbers in their shortest form, anything else as JSON. The experiment
// and seed count as parameters when Params lacks them. A missing
// parameter is "-" and false.
func (r *Run) ParamText(name string) (string, bool) {
	v, ok := r.Params[name]
	if !ok {
		switch name {
		case ParamExperiment:
			return r.Experiment, true
		case ParamSeed:
			return strconv.FormatInt(r.Seed, 10), true
		}
		return "-", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case nil:
		return "null", true
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// ParamNames lists, sorted, the parameters any of runs has, with the
// pseudo-parameters.
func ParamNames(runs []*Run) []string {
	set := map[string]bool{ParamExperiment: true, ParamSeed: true}
	for _, r := range runs {
		for k := range r.Params {
			set[k] = true
		}
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ShownParams lists, sorted, the names of params to show a person. A
// plugin section with a label is shown by the label alone: the experiment
// loader stores "augmentation": "jigsaw(k=4)" beside "augmentation.name"
// and "augmentation.params.k", which the label spells already. Params are
// the leaves of a config, so a name under another name in params is under
// a label.
func ShownParams(params map[string]any) []string {
	names := make([]string, 0, len(params))
	for k := range params {
		if !underLabel(params, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// underLabel reports whether a dotted prefix of name is itself in params.
func underLabel(params map[string]any, name string) bool {
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if _, ok := params[name[:i]]; ok {
			return true
		}
	}
	return false
}

// LatestPerCell keeps the most recently started run of each experiment and
// cell ID, in input order, so that a retried cell counts once.
func LatestPerCell(runs []*Run) []*Run {
	type cell struct{ exp, id string }
	latest := map[cell]*Run{}
	for _, r := range runs {
		c := cell{r.Experiment, r.CellID}
		if l, ok := latest[c]; !ok || r.Started.After(l.Started) {
			latest[c] = r
		}
	}
	var out []*Run
	for _, r := range runs {
		if latest[cell{r.Experiment, r.CellID}] == r {
			out = append(out, r)
		}
	}
	return out
}

// MatchParams reports whether the run's parameters have the given values.
func (r *Run) MatchParams(where map[string]string) bool {
	for k, v := range where {
		if got, _ := r.ParamText(k); got != v {
			return false
		}
	}
	return true
}

// DifferingParam returns the first parameter, in name order, whose value
// differs between runs a and b, skipping the seed and the names in ignore. The
// experiment counts as a parameter.
func DifferingParam(a, b *Run, ignore ...string) (name, va, vb string, differ bool) {
	names := ParamNames([]*Run{a, b})
	for _, k := range names {
		if k == ParamSeed || slices.Contains(ignore, k) {
			continue
		}
		va, _ = a.ParamText(k)
		vb, _ = b.ParamText(k)
		if va != vb {
			return k, va, vb, true
		}
	}
	return "", "", "", false
}
