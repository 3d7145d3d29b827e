package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference settings. Kernels compute in float32, so central
// differences with a step of 1e-2 on a loss summed in float64 agree with the
// analytic gradient to about 1e-3 relative; 5e-3 leaves room for rounding
// without hiding a wrong index, which shows as an O(1) error.
const (
	fdStep = 1e-2
	fdTol  = 5e-3
	// fdProbes bounds the coordinates probed per tensor so checks stay fast.
	fdProbes = 40
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6e64616c6162)) }

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// dot is the probe loss <a, b> in float64.
func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// checkGrad compares grad (the analytic gradient of loss with respect to
// param) with central differences at up to fdProbes coordinates of param.
func checkGrad(t *testing.T, name string, param, grad []float32, loss func() float64) {
	t.Helper()
	if len(param) != len(grad) {
		t.Fatalf("%s: %d params, %d gradients", name, len(param), len(grad))
	}
	r := newRand(uint64(len(param)))
	for probe := range min(fdProbes, len(param)) {
		i := probe
		if len(param) > fdProbes {
			i = r.IntN(len(param))
		}
		old := param[i]
		param[i] = old + fdStep
		up := loss()
		param[i] = old - fdStep
		down := loss()
		param[i] = old
		fd := (up - down) / (2 * fdStep)
		if err := math.Abs(fd-float64(grad[i])) / math.Max(1, math.Abs(fd)); err > fdTol {
			t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g (rel err %.2g > %.g)",
				name, i, grad[i], fd, err, fdTol)
		}
	}
}

// closeTo fails when got and want differ by more than tol relative to
// max(1, |want|).
func closeTo(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if d > tol*math.Max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %.7g, want %.7g (tol %g)", name, i, got[i], want[i], tol)
		}
	}
}
