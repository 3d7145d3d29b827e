package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ndalab/ndalab/core"
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

// bookkeeping lists the run config keys that only say how a run is
// recorded, never what it computes: the seed, over which tables average,
// and how often losses and checkpoints are written (a resumed run equals
// an uninterrupted one whatever the checkpoint cadence).
var bookkeeping = []string{"seed", "train.log_every", "train.checkpoint_every"}

// BookkeepingKeys returns the run config keys that cannot change a
// recorded metric value; runs that differ only in these are runs of one
// setting.
func BookkeepingKeys() []string { return slices.Clone(bookkeeping) }

// DifferingSetting returns the first config key (keys in name order,
// depth first) whose value differs between runs a and b, with both values
// as JSON, leaving out the bookkeeping keys; a key one run lacks reads
// "(unset)", and a list is one value. Configs are compared as stored
// (compact, keys sorted), so only the objects that differ are decoded.
func DifferingSetting(a, b *Run) (key, va, vb string, differ bool, err error) {
	// Runs of one setting mostly differ in their seed alone: tell so
	// without decoding.
	if headA, tailA, ok := cutTopSeed(a.Config); ok {
		if headB, tailB, ok := cutTopSeed(b.Config); ok && bytes.Equal(headA, headB) &&
			bytes.Equal(tailA, tailB) {
			return "", "", "", false, nil
		}
	}
	key, va, vb, differ, err = diffObjects("", orEmpty(a.Config), orEmpty(b.Config))
	if err != nil {
		return "", "", "", false, fmt.Errorf("config of run %s or %s: %v: %w", a.ID, b.ID, err,
			core.ErrInternal)
	}
	return key, va, vb, differ, nil
}

// cutTopSeed splits a compact JSON object around its top-level "seed"
// member (key and number); false if it has none.
func cutTopSeed(c json.RawMessage) (head, tail []byte, ok bool) {
	const key = `"seed":`
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && ch == '\\':
			escaped = true
		case inString:
			inString = ch != '"'
		case ch == '"' && depth == 1 && (c[i-1] == '{' || c[i-1] == ',') &&
			bytes.HasPrefix(c[i:], []byte(key)):
			j := i + len(key)
			for j < len(c) && strings.IndexByte("-+.0123456789eE", c[j]) >= 0 {
				j++
			}
			return c[:i], c[j:], true
		case ch == '"':
			inString = true
		case ch == '{' || ch == '[':
			depth++
		case ch == '}' || ch == ']':
			depth--
		}
	}
	return nil, nil, false
}

func orEmpty(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("{}")
	}
	return m
}

// diffObjects finds the first differing key under prefix of two JSON
// values; a nil value is a missing one.
func diffObjects(prefix string, a, b json.RawMessage) (string, string, string, bool, error) {
	oa, isObjA := object(a)
	ob, isObjB := object(b)
	if (a == nil || isObjA) && (b == nil || isObjB) {
		keys := make([]string, 0, len(oa)+len(ob))
		for k := range oa {
			keys = append(keys, k)
		}
		for k := range ob {
			if _, ok := oa[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			full := k
			if prefix != "" {
				full = prefix + "." + k
			}
			x, y := oa[k], ob[k]
			if slices.Contains(bookkeeping, full) || x != nil && y != nil && bytes.Equal(x, y) {
				continue
			}
			key, vx, vy, differ, err := diffObjects(full, x, y)
			if differ || err != nil {
				return key, vx, vy, differ, err
			}
		}
		return "", "", "", false, nil
	}
	if (a != nil && !json.Valid(a)) || (b != nil && !json.Valid(b)) {
		return "", "", "", false, fmt.Errorf("key %q is not valid JSON", prefix)
	}
	if a != nil && b != nil && bytes.Equal(a, b) {
		return "", "", "", false, nil
	}
	va, vb := "(unset)", "(unset)"
	if a != nil {
		va = string(a)
	}
	if b != nil {
		vb = string(b)
	}
	return prefix, va, vb, true, nil
}

// object decodes a JSON object's members; false for anything else.
func object(v json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return nil, false
	}
	return m, true
}
