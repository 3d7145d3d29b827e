package dcgan

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// BenchmarkStep times one D step (with an NDA batch) and one G step of the
// reference configuration at batch 64, reporting images/s.
func BenchmarkStep(b *testing.B) {
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{"workers": 2}, 1); err != nil {
		b.Fatal(err)
	}
	real := core.NewBatch(64, 1, 28, 28)
	r := core.NewRand(1, "bench", 0, "real")
	for i := range real.Data {
		real.Data[i] = 2*r.Float32() - 1
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
	b.ReportMetric(64*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
