package kernels

import "testing"

// BenchmarkActivation times the fused bias + activation and its backward
// over 1M values, reporting ns per value.
func BenchmarkActivation(b *testing.B) {
	const n = 1 << 20
	r := newRand(10)
	x := randSlice(r, n)
	y := make([]float32, n)
	dy := make([]float32, n)
	for _, act := range []Activation{ReLU, LeakyReLU, Tanh} {
		b.Run(act.String()+"/fwd", func(b *testing.B) {
			for b.Loop() {
				copy(y, x)
				BiasActivate(act, 0.2, 1, 16, n/16, nil, y)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/value")
		})
		b.Run(act.String()+"/bwd", func(b *testing.B) {
			for b.Loop() {
				copy(dy, x)
				ActivateBackward(act, 0.2, 1, 16, n/16, x, dy, nil)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/value")
		})
	}
}
