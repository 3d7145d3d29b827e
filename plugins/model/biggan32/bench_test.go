package biggan32

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// BenchmarkStep times one D step (with an NDA batch) and one G step of the
// default configuration at batch 64 on CIFAR-shaped data, unconditional and
// with 10 classes, reporting images/s.
func BenchmarkStep(b *testing.B) {
	for _, bc := range []struct {
		name    string
		classes int
	}{{"uncond", 0}, {"classes10", 10}} {
		b.Run(bc.name, func(b *testing.B) {
			benchStep(b, bc.classes)
		})
	}
}

func benchStep(b *testing.B, classes int) {
	const n = 64
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{"workers": 2, "classes": classes}, 1); err != nil {
		b.Fatal(err)
	}
	real := core.NewBatch(n, 3, size, size)
	r := core.NewRand(1, "bench", 0, "real")
	for i := range real.Data {
		real.Data[i] = 2*r.Float32() - 1
	}
	if classes > 0 {
		real.Labels = make([]int32, n)
		for i := range real.Labels {
			real.Labels[i] = int32(r.IntN(classes))
		}
	}
	neg := real.Clone()
	step := int64(0)
	for b.Loop() {
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: step, Lambda: 0.5,
			Real: real, Negatives: neg}); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: step}); err != nil {
			b.Fatal(err)
		}
		step++
	}
	b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkGenerator times G alone, a training forward and a backward of
// the default configuration at batch 64, unconditional.
func BenchmarkGenerator(b *testing.B) {
	const n = 64
	a := arch{Channels: 3, Width: 32, ZDim: 128, Workers: 2}
	g := newGenerator(a, 1)
	r := core.NewRand(1, "bench", 0, "z")
	z := make([]float32, n*a.ZDim)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	dy := make([]float32, n*3*size*size)
	for b.Loop() {
		out := g.Forward(n, z, nil, true)
		for i := range dy {
			dy[i] = out[i] / n
		}
		g.Backward(dy)
	}
	b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
