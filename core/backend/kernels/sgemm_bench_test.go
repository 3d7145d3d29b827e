package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkSgemm reports single-thread GFLOP/s of the build's GEMM for the
// product shapes the reference model's layers produce.
func BenchmarkSgemm(b *testing.B) {
	for _, sh := range []struct{ m, n, k int }{
		{128, 392, 1024}, {1024, 392, 128}, {128, 1024, 392}, {576, 196, 128}, {512, 512, 512},
	} {
		b.Run(fmt.Sprintf("%dx%dx%d/%s", sh.m, sh.n, sh.k, BLAS), func(b *testing.B) {
			r := newRand(9)
			a := randSlice(r, sh.m*sh.k)
			bb := randSlice(r, sh.k*sh.n)
			c := make([]float32, sh.m*sh.n)
			for b.Loop() {
				Sgemm(false, false, sh.m, sh.n, sh.k, 1, a, sh.k, bb, sh.n, 0, c, sh.n)
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(2*float64(sh.m*sh.n*sh.k)/sec/1e9, "GFLOP/s")
		})
	}
}
