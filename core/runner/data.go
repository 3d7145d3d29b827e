package runner

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// evalSeed shuffles the evaluation sets. It is the same for every cell, so
// that all cells of a table are scored on the same real samples.
const evalSeed = 0

// feed serves one cell's training batches. Every batch is a pure function of
// (seed, global batch index), so prefetching and resuming change nothing.
type feed struct {
	ds       core.Dataset
	dsCfg    core.Config
	perEpoch int64 // full batches per epoch; the short tail is dropped
	bs       int
	seed     int64
	perStep  int  // batches per step: D steps for a GAN, else 1
	labels   bool // keep labels (conditional GANs, classifiers, probes)

	neg    core.Augmentation // nil for the baseline
	negCfg core.Config
	view   core.Augmentation // contrastive positive views, or nil
	viewCf core.Config
}

// item is what one training step consumes.
type item struct {
	step  int64
	reals []*core.Batch    // perStep batches
	negs  []*core.Batch    // one per real batch, or nil
	views [][2]*core.Batch // contrastive: two views per real batch
}

// batch returns global batch gb of the training split.
func (f *feed) batch(ctx context.Context, gb int64) (*core.Batch, error) {
	req := core.BatchRequest{
		Config: f.dsCfg, Split: core.SplitTrain, Seed: f.seed,
		Epoch: int(gb / f.perEpoch), Index: int(gb % f.perEpoch), Size: f.bs,
	}
	b, err := f.ds.Batch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("dataset batch %d: %w", gb, err)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("dataset batch %d: %w", gb, err)
	}
	if !f.labels {
		b.Labels = nil
	}
	return b, nil
}

// fetch builds the item of one step: its real batches, their negatives and
// views. Augmentation randomness is keyed by (seed, global batch index).
func (f *feed) fetch(ctx context.Context, step int64) (*item, error) {
	it := &item{step: step}
	for d := range f.perStep {
		gb := step*int64(f.perStep) + int64(d)
		real, err := f.batch(ctx, gb)
		if err != nil {
			return nil, err
		}
		it.reals = append(it.reals, real)
		if f.neg != nil {
			req := core.AugmentRequest{Config: f.negCfg, Role: core.RoleNegative, Seed: f.seed,
				Step: gb}
			neg, err := f.neg.Apply(ctx, req, real)
			if err != nil {
				return nil, fmt.Errorf("negatives of batch %d: %w", gb, err)
			}
			it.negs = append(it.negs, neg)
		}
		if f.view != nil {
			var pair [2]*core.Batch
			for v := range pair {
				// Two views of one batch differ by seed, not by call order.
				seed := core.NewRand(f.seed, "runner/views", int64(v), "seed").Int64()
				req := core.AugmentRequest{Config: f.viewCf, Role: core.RolePositive, Seed: seed,
					Step: gb}
				if pair[v], err = f.view.Apply(ctx, req, real); err != nil {
					return nil, fmt.Errorf("view %d of batch %d: %w", v, gb, err)
				}
			}
			it.views = append(it.views, pair)
		}
	}
	return it, nil
}

// fetched is one prefetched item or the error that stopped the pipeline.
type fetched struct {
	it  *item
	err error
}

// prefetch fetches the items of steps [from, to) one ahead of the consumer:
// while the model works on step t, the batches (and negatives) of t+1 are
// made. The channel closes after the last item or the first error; cancel
// ctx to stop it early.
func (f *feed) prefetch(ctx context.Context, from, to int64) <-chan fetched {
	out := make(chan fetched, 1)
	go func() {
		defer close(out)
		for s := from; s < to; s++ {
			it, err := f.fetch(ctx, s)
			select {
			case out <- fetched{it, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// evalBatches returns up to n samples of a split in batches of bs, in the
// fixed evaluation order.
func evalBatches(ctx context.Context, ds core.Dataset, cfg core.Config, split core.Split,
	n, bs int) ([]*core.Batch, error) {
	info, err := ds.Info(ctx, cfg, split)
	if err != nil {
		return nil, fmt.Errorf("dataset info (%s): %w", split, err)
	}
	n = min(n, info.Size)
	var out []*core.Batch
	for i, got := 0, 0; got < n; i++ {
		req := core.BatchRequest{Config: cfg, Split: split, Seed: evalSeed, Index: i, Size: bs}
		b, err := ds.Batch(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("dataset %s batch %d: %w", split, i, err)
		}
		if b.N() == 0 {
			break
		}
		if got+b.N() > n {
			b = head(b, n-got)
		}
		got += b.N()
		out = append(out, b)
	}
	return out, nil
}

// head returns the first n samples of b.
func head(b *core.Batch, n int) *core.Batch {
	out := &core.Batch{Shape: b.Shape, Data: b.Data[:n*b.SampleSize()]}
	out.Shape[0] = n
	if b.Labels != nil {
		out.Labels = b.Labels[:n]
	}
	return out
}
