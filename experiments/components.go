package experiments

import (
	"context"
	"fmt"
	stdmaps "maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/maps"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/runner"
)

// descriptor returns the cached descriptor of kind/name, or nil when there
// is no describer.
func (d *decoder) descriptor(ctx context.Context, kind core.Kind, name string) (*core.Descriptor,
	error) {
	if d.describe == nil {
		return nil, nil
	}
	id := string(kind) + "/" + name
	if desc, ok := d.descs[id]; ok {
		return desc, nil
	}
	desc, err := d.describe(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	d.descs[id] = desc
	return desc, nil
}

// component resolves one plugin section ("model": name and params).
func (d *decoder) component(ctx context.Context, rc *rawCell, sec string, kind core.Kind,
	name string, params core.Config) (runner.Component, error) {
	if name == "" || (sec == "augmentation" && name == runner.NoAugmentation) {
		if len(params) > 0 {
			key := sec + paramsInfix + "." + slices.Sorted(stdmaps.Keys(params))[0]
			return runner.Component{}, keyError(d.where(rc, key), key,
				"parameters given but %s.name is %q", sec, name)
		}
		return runner.Component{Name: name, Params: core.Config{}}, nil
	}
	return d.resolve(ctx, kind, name, params, sec, func(key string) string {
		return d.where(rc,
			key)
	})
}

// resolve checks params against the descriptor of kind/name and fills its
// defaults. path is the config key of the section, for messages.
func (d *decoder) resolve(ctx context.Context, kind core.Kind, name string, params core.Config,
	path string, where func(string) string) (runner.Component, error) {
	if params == nil {
		params = core.Config{}
	}
	desc, err := d.descriptor(ctx, kind, name)
	if err != nil {
		return runner.Component{}, keyError(where(path+".name"), path+".name", "%s/%s: %v", kind,
			name, err)
	}
	if desc == nil {
		return runner.Component{Name: name, Params: params}, nil
	}
	for _, p := range slices.Sorted(stdmaps.Keys(params)) {
		key := path + paramsInfix + "." + p
		decl, ok := desc.Param(p)
		if !ok {
			known := make([]string, len(desc.Params))
			for i, dp := range desc.Params {
				known[i] = dp.Name
			}
			return runner.Component{}, keyError(where(key), key,
				"%s has no parameter %q (known: %s)",
				desc.ID(), p, strings.Join(known, ", "))
		}
		if _, err := decl.Convert(params[p]); err != nil {
			return runner.Component{}, keyError(where(key), key, "%s: %s (%s: %s)",
				desc.ID(), convertMessage(err, p), decl.Type, decl.Doc)
		}
	}
	resolved, err := desc.Resolve(params)
	if err != nil {
		return runner.Component{}, keyError(where(path), path+paramsInfix, "%v", err)
	}
	return runner.Component{Name: name, Params: resolved}, nil
}

// listComponent reads a list entry that names a plugin: "fid" or
// {name: fid, params: {...}}.
func (d *decoder) listComponent(ctx context.Context, rc *rawCell, path string, kind core.Kind,
	v any) (runner.Component, error) {
	where := func(string) string { return d.where(rc, strings.SplitN(path, "[", 2)[0]) }
	switch x := v.(type) {
	case string:
		return d.resolve(ctx, kind, x, nil, path, where)
	case map[string]any:
		maps.IntfaceKeysToStrings(x)
		name, _ := x["name"].(string)
		if name == "" {
			return runner.Component{}, keyError(where(path), path+".name",
				"want a %s plugin name", kind)
		}
		var params core.Config
		for k, pv := range x {
			switch k {
			case "name":
			case "params":
				m, ok := pv.(map[string]any)
				if !ok && pv != nil {
					return runner.Component{}, keyError(where(path), path+".params",
						"want a map of parameters, got %T", pv)
				}
				params = core.Config(m)
			default:
				return runner.Component{}, keyError(where(path), path+"."+k,
					"unknown key (known: name, params)")
			}
		}
		return d.resolve(ctx, kind, name, params, path, where)
	}
	return runner.Component{}, keyError(where(path), path,
		"want a %s name or {name, params}, got %T",
		kind, v)
}

// oodSets reads anomaly.ood: each entry {name, dataset: {...}} or
// {name, augmentation: {...}}.
func (d *decoder) oodSets(ctx context.Context, rc *rawCell, cell *runner.Cell, list []any) ([]any,
	error) {
	var canon []any
	names := map[string]bool{}
	for i, v := range list {
		path := fmt.Sprintf("%s[%d]", keyOOD, i)
		where := d.where(rc, keyOOD)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, keyError(where, path,
				"want {name, dataset: {...}} or {name, augmentation: {...}}")
		}
		maps.IntfaceKeysToStrings(m)
		set := runner.OODSet{}
		entry := map[string]any{}
		for _, k := range slices.Sorted(stdmaps.Keys(m)) {
			switch k {
			case "name":
				s, ok := m[k].(string)
				if !ok || s == "" {
					return nil, keyError(where, path+".name", "want a set name")
				}
				set.Name = s
			case "dataset", "augmentation":
				kind := core.KindDataset
				if k == "augmentation" {
					kind = core.KindAugmentation
				}
				c, err := d.listComponent(ctx, rc, path+"."+k, kind, m[k])
				if err != nil {
					return nil, err
				}
				if k == "dataset" {
					set.Dataset = c
				} else {
					set.Augmentation = c
				}
				entry[k] = map[string]any{"name": c.Name, "params": nonNil(c.Params)}
			default:
				return nil, keyError(where, path+"."+k,
					"unknown key (known: name, dataset, augmentation)")
			}
		}
		if set.Dataset.Set() == set.Augmentation.Set() {
			return nil, keyError(where, path, "want exactly one of dataset and augmentation")
		}
		if set.Name == "" {
			set.Name = set.Dataset.Name + set.Augmentation.Name
		}
		if names[set.Name] {
			return nil, keyError(where, path+".name", "set %q is listed twice", set.Name)
		}
		names[set.Name] = true
		entry["name"] = set.Name
		cell.Anomaly.Sets = append(cell.Anomaly.Sets, set)
		canon = append(canon, entry)
	}
	return canon, nil
}

// checkTask checks what each task needs, and, where descriptors are known,
// that each plugin can do what the task asks of it.
func (d *decoder) checkTask(rc *rawCell, c *runner.Cell) error {
	file := d.l.file
	need := func(cond bool, key, msg string) error {
		if cond {
			return nil
		}
		return keyError(d.where(rc, key), key, "%s", msg)
	}
	var errs []error
	switch c.Task {
	case runner.TaskContrastive:
		errs = append(errs, need(c.Views.Name != "", "views.name",
			"task contrastive needs a positive-view augmentation"))
	case runner.TaskAnomaly:
		errs = append(errs, need(len(c.Anomaly.Sets) > 0, keyOOD,
			"task anomaly needs at least one out-of-distribution set"))
	}
	if c.Features.Checkpoint != "" && !c.Features.Model.Set() {
		errs = append(errs, keyError(file, "features.model.name",
			"features.checkpoint is set but no model"))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if d.describe == nil {
		return nil
	}

	// Capabilities and roles, from the (cached) descriptors.
	caps := map[runner.Task][]string{
		runner.TaskGAN:         {core.CapTrain, core.CapGenerate},
		runner.TaskContrastive: {core.CapTrain, core.CapEmbed},
		runner.TaskAnomaly:     {core.CapScore},
		runner.TaskClassifier:  {core.CapTrain, core.CapEmbed},
	}
	checks := []struct {
		key  string
		kind core.Kind
		name string
		has  []string
	}{
		{"model.name", core.KindModel, c.Model.Name, caps[c.Task]},
		{"augmentation.name", core.KindAugmentation, c.Augmentation.Name,
			[]string{core.RoleNegative}},
		{"views.name", core.KindAugmentation, c.Views.Name, []string{core.RolePositive}},
		{"features.model.name", core.KindModel, c.Features.Model.Name, []string{core.CapEmbed}},
	}
	for _, ch := range checks {
		if ch.name == "" || (ch.key == "augmentation.name" && ch.name == runner.NoAugmentation) {
			continue
		}
		desc := d.descs[string(ch.kind)+"/"+ch.name]
		for _, h := range ch.has {
			if desc != nil && !desc.Has(h) {
				return keyError(d.where(rc, ch.key), ch.key, "%s cannot %q, which task %s needs",
					desc.ID(), h, c.Task)
			}
		}
	}
	return nil
}

// require loads the experiment that features.from names (relative to the
// file that set it) and returns its one cell.
func (d *decoder) require(ctx context.Context, rc *rawCell, from string) (*runner.Cell, error) {
	origin := d.where(rc, "features.from")
	path := from
	if !filepath.IsAbs(path) {
		if _, err := os.Stat(origin); err == nil {
			path = filepath.Join(filepath.Dir(origin), from)
		}
	}
	abs, _ := filepath.Abs(path)
	if c, ok := d.reqs[abs]; ok {
		return c, nil
	}
	if slices.Contains(d.chain, abs) {
		return nil, keyError(origin, "features.from", "%s requires itself", from)
	}
	x, err := load(ctx, path, Options{Describe: d.describe}, append(d.chain, abs))
	if err != nil {
		return nil, fmt.Errorf("%s: key %q: %w", origin, "features.from", err)
	}
	if len(x.Cells) != 1 {
		return nil, keyError(origin, "features.from", "%s has %d cells; want one", from,
			len(x.Cells))
	}
	c := x.Cells[0]
	if c.Task != runner.TaskClassifier && c.Task != runner.TaskContrastive {
		return nil, keyError(origin, "features.from",
			"%s is a %s experiment; want classifier or contrastive",
			from, c.Task)
	}
	d.reqs[abs] = c
	return c, nil
}
