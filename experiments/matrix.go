package experiments

import (
	"fmt"
	stdmaps "maps"
	"slices"
	"strings"

	"github.com/knadh/koanf/maps"
)

// assignment is a partial config: flat keys and their values. A value that
// is a map stands for a whole section and replaces everything under its key.
type assignment struct {
	keys []string // in application order
	vals map[string]any
}

func newAssignment() assignment { return assignment{vals: map[string]any{}} }

func (a *assignment) set(k string, v any) {
	if _, ok := a.vals[k]; !ok {
		a.keys = append(a.keys, k)
	}
	a.vals[k] = v
}

// axis is one dimension of the grid: a plain key's values, or a zip group
// whose lists vary together.
type axis struct {
	name   string // the key, or the zip group's keys joined by "+"
	values []assignment
}

// matrix is the parsed "matrix:" section.
type matrix struct {
	axes    []axis
	include []assignment
	exclude []assignment
	seeds   []int64
}

// parseMatrix pulls the matrix keys out of flat and parses them. Axes are
// sorted by key so that the order of keys in the file does not matter; the
// first axis varies slowest.
func parseMatrix(flat map[string]any, where func(string) string) (*matrix, error) {
	m := &matrix{}
	zips := map[string]map[string]any{} // "" for the map form, "0", "1", ... unused
	var zipList []any
	for _, key := range slices.Sorted(stdmaps.Keys(flat)) {
		rest, ok := strings.CutPrefix(key, keyMatrix+".")
		if !ok {
			if key == keyMatrix {
				return nil, keyError(where(key), key, "want a map of axes")
			}
			continue
		}
		v := flat[key]
		delete(flat, key)
		var err error
		switch {
		case rest == "include":
			m.include, err = parseAssignments(v)
		case rest == "exclude":
			m.exclude, err = parseAssignments(v)
		case rest == keySeeds:
			m.seeds, err = parseSeeds(v)
		case rest == "zip":
			zipList, err = asList(v)
		case strings.HasPrefix(rest, "zip."):
			if zips[""] == nil {
				zips[""] = map[string]any{}
			}
			zips[""][strings.TrimPrefix(rest, "zip.")] = v
		default:
			var vals []any
			vals, err = asList(v)
			if err == nil && len(vals) == 0 {
				err = fmt.Errorf("an axis needs at least one value")
			}
			ax := axis{name: rest}
			for _, val := range vals {
				a := newAssignment()
				a.set(rest, normalize(val))
				ax.values = append(ax.values, a)
			}
			m.axes = append(m.axes, ax)
		}
		if err != nil {
			return nil, keyError(where(key), key, "%v", err)
		}
	}

	for i, z := range zipList {
		g, ok := z.(map[string]any)
		if !ok {
			return nil, keyError(where("matrix.zip"), fmt.Sprintf("matrix.zip[%d]", i),
				"want a map of key: [values]")
		}
		maps.IntfaceKeysToStrings(g)
		flatG, _ := maps.Flatten(g, nil, ".")
		zips[fmt.Sprint(i)] = flatG
	}
	for _, id := range slices.Sorted(stdmaps.Keys(zips)) {
		ax, err := zipAxis(zips[id])
		if err != nil {
			return nil, keyError(where("matrix.zip"), "matrix.zip", "%v", err)
		}
		m.axes = append(m.axes, ax)
	}
	slices.SortStableFunc(m.axes, func(a, b axis) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(m.axes); i++ {
		for _, k := range strings.Split(m.axes[i].name, "+") {
			if slices.Contains(strings.Split(m.axes[i-1].name, "+"), k) {
				return nil, keyError(where("matrix"), "matrix."+k, "varies on two axes")
			}
		}
	}
	return m, nil
}

// zipAxis turns {a: [1, 2], b: [x, y]} into the axis (a=1,b=x), (a=2,b=y).
func zipAxis(group map[string]any) (axis, error) {
	keys := slices.Sorted(stdmaps.Keys(group))
	if len(keys) == 0 {
		return axis{}, fmt.Errorf("an empty zip group")
	}
	ax := axis{name: strings.Join(keys, "+")}
	n := -1
	for _, k := range keys {
		vals, err := asList(group[k])
		if err != nil {
			return axis{}, fmt.Errorf("zip key %q: %v", k, err)
		}
		if n >= 0 && len(vals) != n {
			return axis{}, fmt.Errorf("zip lists differ in length: %q has %d values, %q has %d",
				keys[0], n, k, len(vals))
		}
		if n < 0 {
			n = len(vals)
			ax.values = make([]assignment, n)
			for i := range ax.values {
				ax.values[i] = newAssignment()
			}
		}
		for i, v := range vals {
			ax.values[i].set(k, normalize(v))
		}
	}
	return ax, nil
}

// parseAssignments reads include/exclude: a list of maps whose keys are
// config keys (dotted or nested).
func parseAssignments(v any) ([]assignment, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of {key: value} maps, got %T", v)
	}
	out := make([]assignment, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, fmt.Errorf("entry %d: want a non-empty {key: value} map", i)
		}
		maps.IntfaceKeysToStrings(m)
		a := newAssignment()
		for _, k := range slices.Sorted(stdmaps.Keys(m)) {
			a.set(k, normalize(m[k]))
		}
		out[i] = a
	}
	return out, nil
}

// normalize makes nested maps map[string]any, whatever the parser gave.
func normalize(v any) any {
	if m, ok := v.(map[string]any); ok {
		maps.IntfaceKeysToStrings(m)
	}
	if m, ok := v.(map[any]any); ok {
		out := map[string]any{}
		for k, e := range m {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	}
	return v
}

// apply lays a over flat (a copy is returned). With replace, a map value
// replaces its key's section; without, it is merged leaf by leaf (exclude
// entries match on the leaves they name).
func apply(flat map[string]any, a assignment, replace bool) map[string]any {
	out := make(map[string]any, len(flat))
	for k, v := range flat {
		out[k] = v
	}
	for _, k := range a.keys {
		v := a.vals[k]
		m, isMap := v.(map[string]any)
		if !isMap || replace {
			for ok := range out {
				if strings.HasPrefix(ok, k+".") || ok == k {
					delete(out, ok)
				}
			}
		}
		if !isMap {
			out[k] = v
			continue
		}
		leaves, _ := maps.Flatten(m, []string{k}, ".")
		for lk, lv := range leaves {
			delete(out, lk)
			out[lk] = lv
		}
	}
	return out
}

// grid returns the cartesian product of the axes, first axis slowest.
func grid(axes []axis) [][]assignment {
	out := [][]assignment{{}}
	for _, ax := range axes {
		var next [][]assignment
		for _, prefix := range out {
			for _, v := range ax.values {
				next = append(next, append(slices.Clone(prefix), v))
			}
		}
		out = next
	}
	return out
}
