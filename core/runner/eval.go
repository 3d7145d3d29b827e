package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
)

// evaluate runs the cell's metrics at the current step, draws the sample
// grid, records the values and keeps the best checkpoint.
func (u *run) evaluate(ctx context.Context) error {
	// Evaluation writes files and values of the run: only under its lease.
	if err := u.lease.confirm(); err != nil {
		return err
	}
	c := u.c
	u.evalled = u.step
	values := map[string]float64{}
	dirs := map[string]bool{}

	if g, ok := u.model.comp.(core.Generator); ok && u.model.desc.Has(core.CapGenerate) {
		grid, err := u.generate(ctx, g, c.Eval.Grid, u.gridSeed())
		if err != nil {
			return fmt.Errorf("eval at step %d: sample grid: %w", u.step, err)
		}
		path := filepath.Join(u.dir, fmt.Sprintf("samples-%08d.png", u.step))
		if err := WriteSamples(path, grid); err != nil {
			return err
		}
		if err := u.r.opt.Store.AddArtifact(ctx, u.id, "samples", path); err != nil {
			return err
		}
	}

	// A classifier's own test accuracy, from its head's predictions.
	if c.Task == TaskClassifier && u.model.desc.Has(core.CapClassify) {
		acc, err := u.testAccuracy(ctx)
		if err != nil {
			return fmt.Errorf("eval at step %d: test accuracy: %w", u.step, err)
		}
		values[testAccuracy], dirs[testAccuracy] = acc, true
	}

	// Two metrics with one output name (linear-probe and knn both give
	// top1) get their metric's name in front: "knn/top1".
	seen := map[string]int{}
	for _, m := range u.metrics {
		for _, o := range m.desc.Outputs {
			seen[o]++
		}
	}
	inputs := &gatherer{u: u, cache: map[string]*core.Batch{}}
	for i, m := range u.metrics {
		cfg := u.res.cfgs[&c.Metrics[i]]
		metric := m.comp.(core.Metric)
		var out map[string]float64
		var err error
		if m.desc.Has(core.InputScoresIn) {
			out, err = u.anomalyMetric(ctx, metric, m.desc, cfg, inputs)
		} else {
			var in map[string]*core.Batch
			if in, err = inputs.get(ctx, m.desc.Inputs); err == nil {
				out, err = metric.Compute(ctx, cfg, in)
			}
		}
		if err != nil {
			return fmt.Errorf("eval at step %d: metric %s: %w", u.step, m.desc.Name, err)
		}
		for k, v := range out {
			base, _, _ := strings.Cut(k, "/")
			base = strings.TrimSuffix(base, "_mean")
			if seen[base] > 1 {
				k = m.desc.Name + "/" + k
			}
			values[k] = v
		}
		if len(m.desc.Outputs) > 0 {
			p := outputName(m.desc, u.metricDescs())
			dirs[p], dirs[p+"_mean"] = m.desc.HigherIsBetter, m.desc.HigherIsBetter
		}
	}
	for k := range dirs {
		if _, ok := values[k]; !ok {
			delete(dirs, k)
		}
	}
	if len(values) > 0 {
		err := u.r.opt.Store.AddMetricsWithDirection(ctx, u.id, u.step, values, dirs)
		if err != nil {
			return err
		}
	}

	if v, ok := values[u.primary]; ok && u.better(v) {
		u.best, u.hasBest = v, true
		path := filepath.Join(u.dir, "best.ckpt")
		if err := u.save(ctx, path); err != nil {
			return err
		}
		if err := u.r.opt.Store.AddArtifact(ctx, u.id, "checkpoint-best", path); err != nil {
			return err
		}
	}
	u.progress("eval")
	return nil
}

// testAccuracy names the metric a classifier cell records from its own
// predictions on the test split.
const testAccuracy = "test_accuracy"

// testAccuracy classifies eval.samples test images and returns the share
// whose arg-max logit is their label.
func (u *run) testAccuracy(ctx context.Context) (float64, error) {
	cl, ok := u.model.comp.(core.Classifier)
	if !ok {
		return 0, fmt.Errorf("%w: %s does not implement classify", core.ErrUnimplemented, u.model.desc.ID())
	}
	ds, dsCfg := u.ds.comp.(core.Dataset), u.res.cfgs[&u.c.Dataset]
	bs, err := evalBatches(ctx, ds, dsCfg, core.SplitTest, u.c.Eval.Samples, u.c.Train.BatchSize)
	if err != nil {
		return 0, err
	}
	correct, total := 0, 0
	for _, b := range bs {
		logits, err := cl.Classify(ctx, b)
		if err != nil {
			return 0, err
		}
		k := logits.SampleSize()
		if logits.N() != b.N() || b.Labels == nil {
			return 0, fmt.Errorf("%w: classify %d labelled samples returned %v", core.ErrInternal, b.N(),
				logits.Shape)
		}
		for i, y := range b.Labels {
			row := logits.Data[i*k : (i+1)*k]
			if slices.Index(row, slices.Max(row)) == int(y) {
				correct++
			}
		}
		total += b.N()
	}
	if total == 0 {
		return 0, fmt.Errorf("%w: the test split is empty", core.ErrInvalidArgument)
	}
	return float64(correct) / float64(total), nil
}

// gridSeed keys the fixed noise of the sample grid: the same at every
// evaluation, so grids show one set of samples improving.
func (u *run) gridSeed() int64 { return core.NewRand(u.c.Seed, "runner/grid", 0, "noise").Int64() }

// generate samples n images in batches, from noise keyed by seed.
func (u *run) generate(ctx context.Context, g core.Generator, n int, seed int64) (*core.Batch,
	error) {
	bs := u.c.Train.BatchSize
	var parts []*core.Batch
	for i := 0; i*bs < n; i++ {
		k := min(bs, n-i*bs)
		req := core.GenerateRequest{N: k, EMA: u.c.Eval.EMA,
			Seed: core.NewRand(seed, "runner/generate", int64(i), "noise").Int64()}
		if u.c.Train.Conditional && u.info.Classes > 0 {
			req.Labels = make([]int32, k)
			for j := range req.Labels {
				req.Labels[j] = int32((i*bs + j) % u.info.Classes)
			}
		}
		b, err := g.Generate(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
		if err := b.Validate(); err != nil || b.N() != k {
			return nil, fmt.Errorf("%w: generate %d samples: got shape %v (%v)",
				core.ErrInternal, k, b.Shape, err)
		}
		parts = append(parts, b)
	}
	return core.Concat(parts...)
}

// embed maps batches to features with e, chunk by chunk, keeping labels.
func embed(ctx context.Context, e core.Embedder, batches []*core.Batch) (*core.Batch, error) {
	var parts []*core.Batch
	for _, b := range batches {
		f, err := e.Embed(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("embed: %w", err)
		}
		if f.N() != b.N() {
			return nil, fmt.Errorf("%w: embed %d samples returned %d", core.ErrInternal, b.N(),
				f.N())
		}
		f.Labels = b.Labels
		parts = append(parts, f)
	}
	return core.Concat(parts...)
}

// gatherer builds metric inputs on demand, once per evaluation.
type gatherer struct {
	u     *run
	cache map[string]*core.Batch
}

// get returns the named inputs.
func (g *gatherer) get(ctx context.Context, names []string) (map[string]*core.Batch, error) {
	out := map[string]*core.Batch{}
	for _, n := range names {
		b, err := g.one(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", n, err)
		}
		out[n] = b
	}
	return out, nil
}

func (g *gatherer) one(ctx context.Context, name string) (*core.Batch, error) {
	if b, ok := g.cache[name]; ok {
		return b, nil
	}
	u, c := g.u, g.u.c
	ds, dsCfg := u.ds.comp.(core.Dataset), u.res.cfgs[&c.Dataset]
	var b *core.Batch
	var err error
	switch name {
	case core.InputGeneratedPoints:
		b, err = g.generated(ctx)
	case core.InputGeneratedFeatures:
		if b, err = g.generated(ctx); err == nil {
			b, err = embed(ctx, u.feat.comp.(core.Embedder), []*core.Batch{b})
		}
	case core.InputRealFeatures:
		// Real features do not change during a run: computed once.
		if u.realFeat == nil {
			var bs []*core.Batch
			if bs, err = evalBatches(ctx, ds, dsCfg, core.SplitTest, c.Eval.Samples,
				c.Train.BatchSize); err == nil {
				u.realFeat, err = embed(ctx, u.feat.comp.(core.Embedder), bs)
			}
		}
		b = u.realFeat
	case core.InputTrainFeatures, core.InputTestFeatures:
		// Contrastive and classifier cells are scored on the model's own
		// frozen features; a classifier's own head is scored by
		// testAccuracy.
		split, n := core.SplitTest, c.Eval.Samples
		if name == core.InputTrainFeatures {
			split, n = core.SplitTrain, c.Eval.ProbeSamples
		}
		e, ok := u.model.comp.(core.Embedder)
		if !ok {
			return nil, fmt.Errorf("%w: %s cannot embed", core.ErrUnimplemented, u.model.desc.ID())
		}
		var bs []*core.Batch
		if bs, err = evalBatches(ctx, ds, dsCfg, split, n, c.Train.BatchSize); err == nil {
			b, err = embed(ctx, e, bs)
		}
	default:
		return nil, fmt.Errorf("%w: unknown metric input", core.ErrUnimplemented)
	}
	if err != nil {
		return nil, err
	}
	g.cache[name] = b
	return b, nil
}

// generated samples Eval.Samples images from noise that is fixed per cell.
func (g *gatherer) generated(ctx context.Context) (*core.Batch, error) {
	const key = "generated"
	if b, ok := g.cache[key]; ok {
		return b, nil
	}
	gen, ok := g.u.model.comp.(core.Generator)
	if !ok {
		return nil, fmt.Errorf("%w: %s cannot generate", core.ErrUnimplemented, g.u.model.desc.ID())
	}
	seed := core.NewRand(g.u.c.Seed, "runner/eval", 0, "noise").Int64()
	b, err := g.u.generate(ctx, gen, g.u.c.Eval.Samples, seed)
	if err == nil {
		g.cache[key] = b
	}
	return b, err
}

// finishArtifacts draws the final sample grid, the curves and the record.
func (u *run) finishArtifacts(ctx context.Context) {
	log := u.r.opt.Log.With("cell", u.c.ID)
	if g, ok := u.model.comp.(core.Generator); ok && u.model.desc.Has(core.CapGenerate) {
		if grid, err := u.generate(ctx, g, u.c.Eval.Grid, u.gridSeed()); err == nil {
			path := filepath.Join(u.dir, "samples-final.png")
			if err := WriteSamples(path, grid); err == nil {
				u.r.opt.Store.AddArtifact(ctx, u.id, "samples-final", path)
			} else {
				log.Warn("final samples", "err", err)
			}
		}
	}
	if err := u.writeCurves(ctx); err != nil {
		log.Warn("curves", "err", err)
	}
	u.record.Ended = time.Now()
	u.record.Step = u.step
	path := filepath.Join(u.dir, "record.json")
	if err := u.record.Write(path); err != nil {
		log.Warn("record", "err", err)
		return
	}
	u.r.opt.Store.AddArtifact(ctx, u.id, "record", path)
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string { return slices.Sorted(keys(m)) }

// outputName is the recorded name of a metric's primary output: its first
// output, prefixed by the metric's name when another metric of the cell
// has an output of that name.
func outputName(d *core.Descriptor, all []*core.Descriptor) string {
	o := d.Outputs[0]
	for _, m := range all {
		if m.Name != d.Name && slices.Contains(m.Outputs, o) {
			return d.Name + "/" + o
		}
	}
	return o
}

// primaries returns, per metric with outputs, the recorded name of its
// primary value ("<output>_mean" over sets for anomaly scores) and whether
// higher is better.
func primaries(t Task, descs []*core.Descriptor) ([]string, []bool) {
	var names []string
	var higher []bool
	for _, d := range descs {
		if len(d.Outputs) == 0 {
			continue
		}
		n := outputName(d, descs)
		if t == TaskAnomaly && d.Has(core.InputScoresIn) {
			n += "_mean"
		}
		names = append(names, n)
		higher = append(higher, d.HigherIsBetter)
	}
	return names, higher
}

// metricDescs returns the descriptors of a run's metrics, in order.
func (u *run) metricDescs() []*core.Descriptor {
	out := make([]*core.Descriptor, len(u.metrics))
	for i, m := range u.metrics {
		out[i] = m.desc
	}
	return out
}

// PrimaryMetrics returns the recorded name of each metric's primary value
// for a cell and its direction: the columns of the cell's comparison table.
func (r *Runner) PrimaryMetrics(ctx context.Context, c *Cell) ([]string, map[string]bool, error) {
	var descs []*core.Descriptor
	for _, m := range c.Metrics {
		d, err := r.catalog.Describe(ctx, core.KindMetric, m.Name)
		if err != nil {
			return nil, nil, err
		}
		descs = append(descs, d)
	}
	names, hs := primaries(c.Task, descs)
	higher := map[string]bool{}
	for i, n := range names {
		higher[n] = hs[i]
	}
	return names, higher, nil
}

// better reports whether v beats the best primary value so far.
func (u *run) better(v float64) bool {
	if !u.hasBest {
		return true
	}
	if u.higher {
		return v > u.best
	}
	return v < u.best
}
