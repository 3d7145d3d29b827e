package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	stdmaps "maps"
	"slices"
	"strconv"
	"strings"

	"github.com/knadh/koanf/maps"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/runner"
)

// Describer returns a plugin's descriptor, for checking its parameters. The
// runner's component cache provides one; callers without plugins pass nil,
// and plugin parameters are then kept as written.
type Describer func(ctx context.Context, kind core.Kind, name string) (*core.Descriptor, error)

// rawCell is one cell before typing: flat config keys and the seed, plus
// where the matrix put each assigned value.
type rawCell struct {
	flat   map[string]any
	origin map[string]string
	seed   int64
}

// decoder types raw cells. It caches descriptors across cells.
type decoder struct {
	l        *layered
	describe Describer
	descs    map[string]*core.Descriptor
	params   []core.Param
	reqs     map[string]*runner.Cell // features.from cells by absolute path
	chain    []string                // files requiring this one, against loops
}

func newDecoder(l *layered, describe Describer, chain []string) *decoder {
	return &decoder{
		l: l, describe: describe, params: schema(), chain: chain,
		descs: map[string]*core.Descriptor{}, reqs: map[string]*runner.Cell{},
	}
}

func (d *decoder) where(rc *rawCell, key string) string {
	if o, ok := rc.origin[key]; ok {
		return o
	}
	for k, o := range rc.origin {
		if strings.HasPrefix(k, key+".") || strings.HasPrefix(key, k+".") {
			return o
		}
	}
	return d.l.where(key)
}

// keyError is the one shape of config errors: origin, key, what was wrong.
func keyError(origin, key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: key %q: %s", core.ErrInvalidArgument, origin, key,
		fmt.Sprintf(format, args...))
}

// convertMessage strips the kind and parameter name that core.Param.Convert
// puts in front, since keyError names the key already.
func convertMessage(err error, name string) string {
	return strings.TrimPrefix(err.Error(), fmt.Sprintf("%v: parameter %q: ",
		core.ErrInvalidArgument, name))
}

// decoded is a typed cell: the runner's view and the canonical map that its
// identity hashes.
type decoded struct {
	cell  *runner.Cell
	canon map[string]any // nested, typed, without name/description/out
}

// decode types one raw cell: experiment keys by the schema, plugin
// parameters by their descriptors.
func (d *decoder) decode(ctx context.Context, rc *rawCell) (*decoded, error) {
	typed := map[string]any{}
	params := map[string]core.Config{}
	var metrics, ood []any
	metricsSet := false

	for _, key := range slices.Sorted(stdmaps.Keys(rc.flat)) {
		v := rc.flat[key]
		if m, ok := v.(map[string]any); ok && len(m) == 0 {
			if sec, ok := strings.CutSuffix(key, paramsInfix); ok && componentKeys[sec] != "" {
				continue
			}
		}
		switch key {
		case keyMetrics:
			list, err := asList(v)
			if err != nil {
				return nil, keyError(d.where(rc, key), key, "%v", err)
			}
			metrics, metricsSet = list, true
			continue
		case keyOOD:
			list, err := asList(v)
			if err != nil {
				return nil, keyError(d.where(rc, key), key, "%v", err)
			}
			ood = list
			continue
		case keySeeds:
			continue
		}
		if sec, p, ok := splitParams(key); ok {
			if strings.Contains(p, ".") {
				return nil, keyError(d.where(rc, key), key,
					"plugin parameters are flat (found a nested map)")
			}
			if params[sec] == nil {
				params[sec] = core.Config{}
			}
			params[sec][p] = v
			continue
		}
		p, ok := lookupParam(d.params, key)
		if !ok {
			return nil, d.unknownKey(rc, key)
		}
		conv, err := p.Convert(v)
		if err != nil {
			return nil, keyError(d.where(rc, key), key, "%s (%s: %s)", convertMessage(err,
				p.Name), p.Type, p.Doc)
		}
		typed[key] = conv
	}

	// Fill defaults; a missing required key names the file the user gave.
	for _, p := range d.params {
		if _, ok := typed[p.Name]; ok {
			continue
		}
		if p.Required() {
			return nil, keyError(d.l.file, p.Name, "required but not set (%s: %s)", p.Type, p.Doc)
		}
		typed[p.Name], _ = p.Convert(p.Default)
	}

	cell := &runner.Cell{
		Seed: rc.seed,
		Task: runner.Task(typed["task"].(string)),
	}
	comps := map[string]*runner.Component{
		"dataset":        &cell.Dataset,
		"augmentation":   &cell.Augmentation,
		"views":          &cell.Views,
		"model":          &cell.Model,
		"features.model": &cell.Features.Model,
	}
	canonComps := map[string]any{}
	for _, sec := range slices.Sorted(stdmaps.Keys(comps)) {
		c, err := d.component(ctx, rc, sec, componentKeys[sec], typed[sec+".name"].(string),
			params[sec])
		if err != nil {
			return nil, err
		}
		*comps[sec] = c
		delete(typed, sec+".name")
		canonComps[sec] = map[string]any{"name": c.Name, "params": nonNil(c.Params)}
	}

	if !metricsSet {
		metrics = defaultMetrics(cell.Task)
	}
	var canonMetrics []any
	for i, m := range metrics {
		c, err := d.listComponent(ctx, rc, fmt.Sprintf("%s[%d]", keyMetrics, i), core.KindMetric, m)
		if err != nil {
			return nil, err
		}
		cell.Metrics = append(cell.Metrics, c)
		canonMetrics = append(canonMetrics, map[string]any{"name": c.Name,
			"params": nonNil(c.Params)})
	}
	canonOOD, err := d.oodSets(ctx, rc, cell, ood)
	if err != nil {
		return nil, err
	}

	fillCell(cell, typed)
	if from := typed["features.from"].(string); from != "" {
		req, err := d.require(ctx, rc, from)
		if err != nil {
			return nil, err
		}
		if cell.Features.Model.Set() || cell.Features.Checkpoint != "" {
			return nil, keyError(d.where(rc, "features.from"), "features.from",
				"set features.from or features.model and features.checkpoint, not both")
		}
		cell.Features.From, cell.Features.Model = req, req.Model
		// The feature network's identity is the cell that trains it.
		typed["features.from"] = req.Experiment + "/" + req.ID
		canonComps["features.model"] = map[string]any{"name": req.Model.Name,
			"params": nonNil(req.Model.Params)}
	}
	if err := d.checkTask(rc, cell); err != nil {
		return nil, err
	}

	// The canonical map: typed experiment keys (defaults filled), plugin
	// names and resolved parameters, the seed; not what only names things.
	flat := map[string]any{}
	for k, v := range typed {
		if k != keyName && k != keyDoc && k != keyOut {
			flat[k] = v
		}
	}
	canon := maps.Unflatten(flat, ".")
	for sec, v := range canonComps {
		setNested(canon, sec, v)
	}
	canon[keyMetrics] = nonNilList(canonMetrics)
	setNested(canon, keyOOD, nonNilList(canonOOD))
	canon["seed"] = rc.seed
	return &decoded{cell: cell, canon: canon}, nil
}

// identity hashes the canonical JSON of a decoded cell.
func identity(canon map[string]any) (id string, js []byte, err error) {
	js, err = core.Config(canon).MarshalCanonical()
	if err != nil {
		return "", nil, fmt.Errorf("encode cell config: %w", err)
	}
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:])[:16], js, nil
}

// fillCell copies the typed experiment keys into the runner's structs.
func fillCell(c *runner.Cell, t map[string]any) {
	c.Features.Checkpoint = t["features.checkpoint"].(string)
	c.Train = runner.Train{
		Steps:           t["train.steps"].(int64),
		BatchSize:       int(t["train.batch_size"].(int64)),
		DSteps:          int(t["train.d_steps"].(int64)),
		Lambda:          t["train.lambda"].(float64),
		Conditional:     t["train.conditional"].(bool),
		LogEvery:        t["train.log_every"].(int64),
		CheckpointEvery: t["train.checkpoint_every"].(int64),
	}
	c.Eval = runner.Eval{
		Every:        t["eval.every"].(int64),
		Samples:      int(t["eval.samples"].(int64)),
		Grid:         int(t["eval.grid"].(int64)),
		EMA:          t["eval.ema"].(bool),
		Primary:      t["eval.primary"].(string),
		ProbeSamples: int(t["eval.probe_samples"].(int64)),
	}
	c.Anomaly.Load = t["anomaly.load"].(string)
	c.Anomaly.Samples = int(t["anomaly.samples"].(int64))
}

// defaultMetrics are used when a file names none: AUROC is what the anomaly
// task reports; the other tasks evaluate nothing unless asked.
func defaultMetrics(t runner.Task) []any {
	if t == runner.TaskAnomaly {
		return []any{"auroc"}
	}
	return nil
}

// splitParams splits "model.params.width" into ("model", "width").
func splitParams(key string) (section, param string, ok bool) {
	for sec := range componentKeys {
		if p, found := strings.CutPrefix(key, sec+paramsInfix+"."); found {
			return sec, p, true
		}
	}
	return "", "", false
}

func (d *decoder) unknownKey(rc *rawCell, key string) error {
	prefix := ""
	parts := strings.Split(key, ".")
	for i := len(parts) - 1; i > 0; i-- {
		p := strings.Join(parts[:i], ".")
		if len(knownUnder(d.params, p)) > 0 {
			prefix = p
			break
		}
	}
	known := knownUnder(d.params, prefix)
	where := "at top level"
	if prefix != "" {
		where = "under " + prefix
	}
	return fmt.Errorf("%w: %s: unknown key %q (known %s: %s)", core.ErrInvalidArgument,
		d.where(rc, key), key, where, strings.Join(known, ", "))
}

func asList(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case string:
		var out []any
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list, got %T (%v)", v, v)
}

// parseSeeds reads the seed axis: a list of integers, one integer, or a
// comma-separated string (from the environment).
func parseSeeds(v any) ([]int64, error) {
	list, err := asList(v)
	if err != nil {
		list = []any{v}
	}
	p := core.Param{Name: keySeeds, Type: core.TypeInt}
	var out []int64
	for _, e := range list {
		conv, err := p.Convert(e)
		if err != nil {
			return nil, fmt.Errorf("want a list of integers: %s", convertMessage(err, p.Name))
		}
		s := conv.(int64)
		if slices.Contains(out, s) {
			return nil, fmt.Errorf("seed %d is listed twice", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("want at least one seed")
	}
	return out, nil
}

func setNested(m map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// nonNil returns the params as a plain map (so that flattening descends
// into it), never nil.
func nonNil(c core.Config) map[string]any {
	if c == nil {
		return map[string]any{}
	}
	return map[string]any(c)
}

func nonNilList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// formatValue renders a typed value for "values that vary" displays.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []string:
		return "[" + strings.Join(x, ",") + "]"
	}
	return fmt.Sprint(v)
}
