package runner

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// anomalyMetric computes a scores metric (AUROC and the like) once per
// out-of-distribution set, in-distribution test scores against the set's,
// and the mean over sets: values "<output>/<set>" and "<output>_mean".
func (u *run) anomalyMetric(ctx context.Context, m core.Metric, d *core.Descriptor, cfg core.Config,
	g *gatherer) (map[string]float64, error) {
	in, inBatches, err := u.scoresIn(ctx, g)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	sums := map[string]float64{}
	for i := range u.c.Anomaly.Sets {
		set := &u.c.Anomaly.Sets[i]
		scores, err := u.scoresOut(ctx, set, inBatches)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", set.Name, err)
		}
		vals, err := m.Compute(ctx, cfg, map[string]*core.Batch{
			core.InputScoresIn: in, core.InputScoresOut: scores,
		})
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", set.Name, err)
		}
		for k, v := range vals {
			out[k+"/"+set.Name] = v
			sums[k] += v
		}
	}
	for k, s := range sums {
		out[k+"_mean"] = s / float64(len(u.c.Anomaly.Sets))
	}
	return out, nil
}

// scoresIn scores the in-distribution test samples (cached per evaluation).
func (u *run) scoresIn(ctx context.Context, g *gatherer) (*core.Batch, []*core.Batch, error) {
	ds, cfg := u.ds.comp.(core.Dataset), u.res.cfgs[&u.c.Dataset]
	batches, err := evalBatches(ctx, ds, cfg, core.SplitTest, u.c.Anomaly.Samples,
		u.c.Train.BatchSize)
	if err != nil {
		return nil, nil, err
	}
	if b, ok := g.cache[core.InputScoresIn]; ok {
		return b, batches, nil
	}
	scores, err := u.score(ctx, batches)
	if err != nil {
		return nil, nil, err
	}
	g.cache[core.InputScoresIn] = scores
	return scores, batches, nil
}

// scoresOut scores one out-of-distribution set: another dataset's test
// split, or the in-distribution batches transformed by an augmentation.
func (u *run) scoresOut(ctx context.Context, set *OODSet, in []*core.Batch) (*core.Batch, error) {
	var batches []*core.Batch
	if set.Dataset.Set() {
		s, err := u.pool.get(ctx, core.KindDataset, set.Dataset.Name)
		if err != nil {
			return nil, err
		}
		batches, err = evalBatches(ctx, s.comp.(core.Dataset), u.res.cfgs[&set.Dataset],
			core.SplitTest, u.c.Anomaly.Samples, u.c.Train.BatchSize)
		if err != nil {
			return nil, err
		}
	} else {
		s, err := u.pool.get(ctx, core.KindAugmentation, set.Augmentation.Name)
		if err != nil {
			return nil, err
		}
		aug := s.comp.(core.Augmentation)
		for i, b := range in {
			req := core.AugmentRequest{Config: u.res.cfgs[&set.Augmentation],
				Role: core.RoleNegative,
				Seed: evalSeed, Step: int64(i)}
			ob, err := aug.Apply(ctx, req, b)
			if err != nil {
				return nil, err
			}
			batches = append(batches, ob)
		}
	}
	return u.score(ctx, batches)
}

// score runs the model's discriminator over batches: N×1×1×1 logits.
func (u *run) score(ctx context.Context, batches []*core.Batch) (*core.Batch, error) {
	s, ok := u.model.comp.(core.Scorer)
	if !ok || !u.model.desc.Has(core.CapScore) {
		return nil, fmt.Errorf("%w: %s cannot score", core.ErrUnimplemented, u.model.desc.ID())
	}
	var parts []*core.Batch
	for _, b := range batches {
		if !u.c.Train.Conditional {
			b = &core.Batch{Shape: b.Shape, Data: b.Data}
		}
		out, err := s.Score(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("score: %w", err)
		}
		if out.N() != b.N() {
			return nil, fmt.Errorf("%w: score of %d samples returned %d", core.ErrInternal, b.N(),
				out.N())
		}
		parts = append(parts, out)
	}
	return core.Concat(parts...)
}
