// Package ndaregion is the built-in "nda-region" metric for the 2-D toy
// data (a mixture of Gaussians on a ring or a grid): it measures whether a
// generator trained with negative data augmentation stays out of the
// region the negatives describe, while still covering the modes.
//
// From generated_points (N×2×1×1) it returns
//
//   - forbidden_rate: the fraction of points in the forbidden region (see
//     Layout.Forbidden); lower is better, and it is the primary output;
//   - modes_covered: the number of modes with at least min_samples
//     high-quality points assigned to them;
//   - high_quality_rate: the fraction of points within 3 standard
//     deviations of some mode (the usual toy-GAN criterion, Srivastava et
//     al. 2017).
package ndaregion

import (
	"context"

	"github.com/ndalab/ndalab/core"
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
	return &core.Descriptor{
		Kind:    core.KindMetric,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "toy 2-D: fraction of samples in the forbidden region, modes covered, high-quality rate",
		Params: []core.Param{
			{Name: "layout", Type: core.TypeString, Default: LayoutRing, Enum: []string{LayoutRing, LayoutGrid},
				Doc: "mode layout of the toy data"},
			{Name: "modes", Type: core.TypeInt, Default: 8, Min: core.Bound(1),
				Doc: "number of modes (a square number for the grid)"},
			{Name: "radius", Type: core.TypeFloat, Default: 2.0, Min: core.Bound(0),
				Doc: "ring radius, or half the side of the grid"},
			{Name: "std", Type: core.TypeFloat, Default: 0.02, Min: core.Bound(0),
				Doc: "standard deviation of each mode"},
			{Name: "min_samples", Type: core.TypeInt, Default: 1, Min: core.Bound(1),
				Doc: "high-quality points a mode needs to count as covered"},
		},
		Inputs:         []string{core.InputGeneratedPoints},
		Outputs:        []string{"forbidden_rate", "modes_covered", "high_quality_rate"},
		HigherIsBetter: false,
	}
}

// Compute returns the three values for generated_points (at least one
// point). The config is resolved again here, so unknown keys are refused.
func (*Metric) Compute(_ context.Context, cfg core.Config, in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	l := Layout{Kind: cfg.String("layout"), Modes: cfg.Int("modes"),
		Radius: cfg.Float("radius"), Std: cfg.Float("std")}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	pts, err := inputs.Points(Name, in, core.InputGeneratedPoints, 1)
	if err != nil {
		return nil, err
	}
	r := Evaluate(l, pts, cfg.Int("min_samples"))
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

// Evaluate scores points against layout l (which must be valid); a mode is
// covered when at least minSamples high-quality points are nearest to it.
func Evaluate(l Layout, pts [][2]float64, minSamples int) Result {
	centres, spacing := l.Centres(), l.Spacing()
	perMode := make([]int, len(centres))
	var forbidden, hq int
	for _, p := range pts {
		if l.Forbidden(p, centres, spacing) {
			forbidden++
		}
		if k, d := nearest(p, centres); d <= highQualityStds*l.Std {
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
	return Result{ForbiddenRate: float64(forbidden) / n, ModesCovered: covered, HighQualityRate: float64(hq) / n}
}
