package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	stdmaps "maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/knadh/koanf/maps"

	"github.com/ndalab/ndalab/core/runner"
)

// Experiment is a loaded experiment file, expanded into its cells.
type Experiment struct {
	Name string // the name key, or the file's base name
	File string // the path given to Load
	Out  string // output directory (the out key)
	// Cells in expansion order: grid cells (first axis slowest, seeds
	// fastest) without the excluded ones, then include cells.
	Cells []*runner.Cell
	// Varying lists the config keys whose values differ between cells.
	Varying []string
}

// Options adjust Load.
type Options struct {
	// Set holds "key=value" overrides (--set), applied last; values are
	// read as YAML ("0.5", "[1, 2]", "{name: jigsaw}").
	Set []string
	// Environ is the environment to take NDALAB_* overrides from
	// (os.Environ()); nil takes none.
	Environ []string
	// Describe, when set, checks every plugin's parameters against its
	// descriptor, fills defaults and converts values to their declared
	// types before hashing.
	Describe Describer
}

// Load reads an experiment file (YAML, TOML or JSON by extension), its base
// chain and overrides, expands its matrix and types every cell. Errors name
// the file (or override), the key and what was expected, and wrap
// core.ErrInvalidArgument (core.ErrNotFound for a missing file).
func Load(ctx context.Context, path string, opts Options) (*Experiment, error) {
	abs, _ := filepath.Abs(path)
	return load(ctx, path, opts, []string{abs})
}

func load(ctx context.Context, path string, opts Options, chain []string) (*Experiment, error) {
	l, err := loadLayers(path, opts.Environ, opts.Set)
	if err != nil {
		return nil, err
	}
	flat := l.k.All()
	mat, err := parseMatrix(flat, l.where)
	if err != nil {
		return nil, err
	}

	seeds := []int64{0}
	if v, ok := flat[keySeeds]; ok {
		if mat.seeds != nil {
			return nil, keyError(l.where(keySeeds), keySeeds,
				"seeds set both at top level and in matrix")
		}
		if seeds, err = parseSeeds(v); err != nil {
			return nil, keyError(l.where(keySeeds), keySeeds, "%v", err)
		}
		delete(flat, keySeeds)
	} else if mat.seeds != nil {
		seeds = mat.seeds
	}

	dec := newDecoder(l, opts.Describe, chain)
	raws, err := expand(ctx, dec, flat, mat, l.where(keyMatrix))
	if err != nil {
		return nil, err
	}

	e := &Experiment{File: path}
	seen := map[string]bool{}
	var canons []map[string]any
	for _, rc := range raws {
		for _, seed := range seeds {
			rc := &rawCell{flat: rc.flat, origin: rc.origin, seed: seed}
			dc, err := dec.decode(ctx, rc)
			if err != nil {
				return nil, err
			}
			id, js, err := identity(dc.canon)
			if err != nil {
				return nil, err
			}
			if seen[id] {
				continue // an include that repeats a grid cell
			}
			seen[id] = true
			dc.cell.ID, dc.cell.Config, dc.cell.Index = id, js, len(e.Cells)
			e.Cells = append(e.Cells, dc.cell)
			canons = append(canons, dc.canon)
		}
	}

	name := rawString(flat[keyName])
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	e.Name, e.Out = name, rawString(flat[keyOut])
	if e.Out == "" {
		e.Out = "runs"
	}
	e.Varying = varying(canons)
	for i, c := range e.Cells {
		c.Experiment = name
		c.Varying = map[string]any{}
		leaves, _ := maps.Flatten(canons[i], nil, ".")
		for _, k := range e.Varying {
			if v, ok := leaves[k]; ok {
				c.Varying[k] = v
			}
		}
	}
	// A label per varying plugin, "jigsaw(k=4)", for tables; computed
	// from every cell's values before any label is added.
	labels := make([]map[string]string, len(e.Cells))
	for i, c := range e.Cells {
		labels[i] = map[string]string{}
		for sec := range componentKeys {
			if label := componentLabel(e.Cells, c, sec, e.Varying); label != "" {
				labels[i][sec] = label
			}
		}
	}
	for i, c := range e.Cells {
		for sec, label := range labels[i] {
			c.Varying[sec] = label
		}
	}
	return e, nil
}

// expand lists the raw cells: grid cells that no exclude entry matches,
// then one cell per include entry.
func expand(ctx context.Context, dec *decoder, flat map[string]any, m *matrix,
	origin string) ([]*rawCell, error) {
	var out []*rawCell
	for _, combo := range grid(m.axes) {
		rc := &rawCell{flat: flat, origin: map[string]string{}}
		for _, a := range combo {
			rc.flat = apply(rc.flat, a, true)
			for _, k := range a.keys {
				rc.origin[k] = origin + " (matrix)"
			}
		}
		drop, err := excluded(ctx, dec, rc, m.exclude)
		if err != nil {
			return nil, err
		}
		if !drop {
			out = append(out, rc)
		}
	}
	for i, a := range m.include {
		rc := &rawCell{flat: apply(flat, a, true), origin: map[string]string{}}
		for _, k := range a.keys {
			rc.origin[k] = fmt.Sprintf("%s (matrix include %d)", origin, i)
		}
		out = append(out, rc)
	}
	return out, nil
}

// excluded reports whether some exclude entry matches rc: applying the
// entry changes nothing once values are typed, so 0.25 matches "0.25" and a
// default matches its explicit value.
func excluded(ctx context.Context, dec *decoder, rc *rawCell, exclude []assignment) (bool, error) {
	if len(exclude) == 0 {
		return false, nil
	}
	base, err := dec.decode(ctx, rc)
	if err != nil {
		return false, err
	}
	want, _, err := identity(base.canon)
	if err != nil {
		return false, err
	}
	for _, a := range exclude {
		trial, err := dec.decode(ctx, &rawCell{flat: apply(rc.flat, a, false), origin: rc.origin})
		if err != nil {
			continue // the entry names a value this cell cannot take: no match
		}
		if got, _, err := identity(trial.canon); err == nil && got == want {
			return true, nil
		}
	}
	return false, nil
}

// varying returns the flat keys whose values differ between cells.
func varying(canons []map[string]any) []string {
	first := map[string]string{}
	differ := map[string]bool{}
	for i, c := range canons {
		leaves, _ := maps.Flatten(c, nil, ".")
		for k, v := range leaves {
			if m, ok := v.(map[string]any); ok && len(m) == 0 {
				continue // an empty section: its keys, if any, show instead
			}
			js, _ := json.Marshal(v)
			if i == 0 {
				first[k] = string(js)
			} else if first[k] != string(js) {
				differ[k] = true
			}
		}
		for k := range first {
			if _, ok := leaves[k]; !ok {
				differ[k] = true
			}
		}
	}
	return slices.Sorted(stdmaps.Keys(differ))
}

func rawString(v any) string {
	s, _ := v.(string)
	return s
}

// RowKey is the parameter a comparison table of the experiment is best
// pivoted on: the label of the first varying plugin (e.g. "augmentation"),
// else the first varying key other than the seed; "" when only seeds vary.
func (x *Experiment) RowKey() string {
	for _, k := range x.Varying {
		if k == "seed" {
			continue
		}
		for sec := range componentKeys {
			if k == sec+".name" || strings.HasPrefix(k, sec+paramsInfix+".") {
				return sec
			}
		}
		return k
	}
	return ""
}

// componentLabel renders a plugin section whose name or parameters vary
// as "name(k=v,...)", with only the parameters that differ between cells
// using the same plugin; "" if neither name nor parameters vary.
func componentLabel(cells []*runner.Cell, c *runner.Cell, sec string, varying []string) string {
	nameVaries := slices.Contains(varying, sec+".name")
	name := sectionName(c, sec)
	var ps []string
	for _, k := range varying {
		p, ok := strings.CutPrefix(k, sec+paramsInfix+".")
		if !ok || c.Varying[k] == nil {
			continue
		}
		for _, o := range cells {
			if sectionName(o, sec) == name && !reflect.DeepEqual(o.Varying[k], c.Varying[k]) {
				ps = append(ps, p+"="+formatValue(c.Varying[k]))
				break
			}
		}
	}
	if !nameVaries && len(ps) == 0 {
		return ""
	}
	if len(ps) == 0 {
		return name
	}
	return name + "(" + strings.Join(ps, ",") + ")"
}

func sectionName(c *runner.Cell, sec string) string {
	switch sec {
	case "dataset":
		return c.Dataset.Name
	case "augmentation":
		return c.Augmentation.Name
	case "views":
		return c.Views.Name
	case "model":
		return c.Model.Name
	}
	return c.Features.Model.Name
}

// FormatVarying renders a cell's varying values as "key=value key=value",
// in the order of keys. A plugin whose name varies is shown with its
// varying parameters: "augmentation=jigsaw(k=4)".
func FormatVarying(c *runner.Cell, keys []string) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, ok := c.Varying[k]
		if !ok || v == nil {
			continue
		}
		if sec, isName := strings.CutSuffix(k, ".name"); isName && componentKeys[sec] != "" {
			var ps []string
			for _, pk := range keys {
				if p, ok := strings.CutPrefix(pk, sec+paramsInfix+"."); ok && c.Varying[pk] != nil {
					ps = append(ps, p+"="+formatValue(c.Varying[pk]))
				}
			}
			s := sec + "=" + formatValue(v)
			if len(ps) > 0 {
				s += "(" + strings.Join(ps, ",") + ")"
			}
			parts = append(parts, s)
			continue
		}
		if sec, _, ok := splitParams(k); ok && slices.Contains(keys, sec+".name") {
			continue // shown with its plugin's name
		}
		parts = append(parts, k+"="+formatValue(v))
	}
	return strings.Join(parts, " ")
}
