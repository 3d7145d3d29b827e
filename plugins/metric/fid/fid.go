// Package fid is the built-in "fid" metric (Fréchet Inception Distance,
// Heusel et al. 2017) and the helpers for caching reference statistics.
//
// The metric receives features, not images: the runner embeds generated and
// real images with the configured feature network and sends two N×D×1×1
// batches. FID fits a Gaussian to each and returns their Fréchet distance
// (see Distance); lower is better.
//
// FID is biased by the sample count: the same generator scores higher on
// fewer samples. The NDA paper (Sinha et al., 2021) used 10,000 generated and
// 10,000 real samples. The sample count is the runner's setting; FIDs from
// different sample counts or feature networks must never be compared or
// combined, which is why RefKey holds both.
//
// Reference statistics of the real data can be computed once per
// (dataset, split, sample count, feature network) with StatsOf and kept
// with Cache.Save / Cache.Load.
package fid

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
)

// Name is the metric's registered name.
const Name = "fid"

// Metric is the "fid" metric. It holds no state; one value serves any
// number of concurrent Compute calls.
type Metric struct{}

// New returns the metric.
func New() *Metric { return &Metric{} }

// Describe returns the metric's descriptor.
func (*Metric) Describe(context.Context) (*core.Descriptor, error) { return descriptor(), nil }

func descriptor() *core.Descriptor {
	return &core.Descriptor{
		Kind:    core.KindMetric,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "Fréchet distance between Gaussians fitted to generated and real features",
		Params: []core.Param{{
			Name: "eps", Type: core.TypeFloat, Default: DefaultEps, Min: core.Bound(0),
			Doc: "diagonal offset added to both covariances if the square root term is not finite",
		}},
		Inputs:         []string{core.InputGeneratedFeatures, core.InputRealFeatures},
		Outputs:        []string{"fid"},
		HigherIsBetter: false,
	}
}

// Compute returns {"fid": FD} for the generated and real features (each at
// least 2 samples, same width).
func (*Metric) Compute(ctx context.Context, cfg core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	gen, err := inputs.Features(Name, in, core.InputGeneratedFeatures, 2)
	if err != nil {
		return nil, err
	}
	ref, err := inputs.Features(Name, in, core.InputRealFeatures, 2)
	if err != nil {
		return nil, err
	}
	err = inputs.SameDim(Name, gen, ref, core.InputGeneratedFeatures, core.InputRealFeatures)
	if err != nil {
		return nil, err
	}

	sg, err := ComputeStats(gen)
	if err != nil {
		return nil, fmt.Errorf("fid: generated features: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fid: %w: %v", core.ErrCanceled, err)
	}
	sr, err := ComputeStats(ref)
	if err != nil {
		return nil, fmt.Errorf("fid: real features: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fid: %w: %v", core.ErrCanceled, err)
	}
	d, err := Distance(sg, sr, cfg.Float("eps"))
	if err != nil {
		return nil, err
	}
	return map[string]float64{"fid": d}, nil
}
