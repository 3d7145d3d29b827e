// Package ndaregion is the built-in "nda-region" metric for the 2-D toy
// data (plugins/dataset/toy2d: Gaussians on a ring or a grid): it measures
// whether a generator trained with negative data augmentation stays out of
// the region the negatives come from, while still covering the modes.
//
// The layout parameters (layout, modes, radius, std) are toy2d's own
// (toy2d.GeometryParams) and must be given the same values as the data set;
// mode centres and the forbidden region are toy2d.Geometry's, so the data,
// the toy2d-forbidden negatives and this metric agree by construction.
//
// From generated_points (N×2×1×1) it returns
//
//   - forbidden_rate: the fraction of points in the forbidden region (the
//     ring's centre disc, the grid's gaps; see toy2d.Geometry.Forbidden);
//     lower is better, and it is the primary output;
//   - modes_covered: the number of modes with at least min_samples
//     high-quality points nearest to them;
//   - high_quality_rate: the fraction of points within 3 standard
//     deviations of some mode (the usual toy-GAN criterion, Srivastava et
//     al. 2017).
package ndaregion

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/toy2d"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
)

// Name is the metric's registered name.
const Name = "nda-region"

// highQualityStds is how close to a mode, in standard deviations, a point
// must be to count as high quality.
const highQualityStds = 3

// Metric is the "nda-region" metric. It holds no state; one value serves
// any number of concurrent Compute calls.
type Metric struct{}

// New returns the metric.
func New() *Metric { return &Metric{} }

// Describe returns the metric's descriptor.
func (*Metric) Describe(context.Context) (*core.Descriptor, error) { return descriptor(), nil }

func descriptor() *core.Descriptor {
	params := append(toy2d.GeometryParams(), core.Param{
		Name: "min_samples", Type: core.TypeInt, Default: 1, Min: core.Bound(1),
		Doc: "high-quality points a mode needs to count as covered",
	})
	return &core.Descriptor{
		Kind:           core.KindMetric,
		Name:           Name,
		Version:        "0.1.0",
		Doc:            "toy 2-D: forbidden-region rate, modes covered, high-quality rate",
		Params:         params,
		Inputs:         []string{core.InputGeneratedPoints},
		Outputs:        []string{"forbidden_rate", "modes_covered", "high_quality_rate"},
		HigherIsBetter: false,
	}
}

// Compute returns the three values for generated_points (at least one
// point). The config is resolved again here, so unknown keys are refused.
func (*Metric) Compute(_ context.Context, cfg core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	g, err := toy2d.GeometryFrom(cfg)
	if err != nil {
		return nil, fmt.Errorf("metric %s: %w", Name, err)
	}
	pts, err := inputs.Points(Name, in, core.InputGeneratedPoints, 1)
	if err != nil {
		return nil, err
	}
	r := Evaluate(g, pts, cfg.Int("min_samples"))
	return map[string]float64{
		"forbidden_rate":    r.ForbiddenRate,
		"modes_covered":     float64(r.ModesCovered),
		"high_quality_rate": r.HighQualityRate,
	}, nil
}

// Result holds the metric's values; see the package doc.
type Result struct {
	ForbiddenRate   float64
	ModesCovered    int
	HighQualityRate float64
}

// Evaluate scores points against geometry g (which must be valid); a mode
// is covered when at least minSamples high-quality points are nearest to it.
func Evaluate(g toy2d.Geometry, pts [][2]float64, minSamples int) Result {
	perMode := make([]int, g.Modes)
	var forbidden, hq int
	for _, p := range pts {
		if g.Forbidden(p[0], p[1]) {
			forbidden++
		}
		if k, d := g.NearestMode(p[0], p[1]); d <= highQualityStds*g.Std {
			hq++
			perMode[k]++
		}
	}
	covered := 0
	for _, c := range perMode {
		if c >= minSamples {
			covered++
		}
	}
	n := float64(len(pts))
	return Result{
		ForbiddenRate:   float64(forbidden) / n,
		ModesCovered:    covered,
		HighQualityRate: float64(hq) / n,
	}
}
