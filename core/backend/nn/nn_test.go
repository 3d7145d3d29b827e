package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core/backend/kernels"
)

// Finite differences on float32 layers. The step is small (1e-3) because
// ReLU-type kinks inside a perturbed layer break differences taken over
// wider steps; float32 rounding of a loss of O(10) then costs about 5e-4
// relative, and 5e-3 still flags any wrong index or term, which shows as an
// O(1) error.
const (
	fdStep   = 1e-3
	fdTol    = 5e-3
	fdProbes = 30
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func checkGrad(t *testing.T, name string, param, grad []float32, loss func() float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(len(param)), 1))
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
		if e := math.Abs(fd-float64(grad[i])) / math.Max(1, math.Abs(fd)); e > fdTol {
			t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", name, i, grad[i], fd)
		}
	}
}

func TestLinearGradients(t *testing.T) {
	for _, sn := range []bool{false, true} {
		t.Run(fmt.Sprintf("sn=%v", sn), func(t *testing.T) {
			net := NewNet("T", 1, 2)
			l := NewLinear(net, "fc", 7, 5, true, 0.5)
			if !sn {
				// Tanh: smooth, so no kinks for the differences to cross.
				l.WithAct(kernels.Tanh, 0)
			}
			if sn {
				l.WithSpectralNorm("fc.sn")
				l.SN.Update()
			}
			r := rand.New(rand.NewPCG(2, 2))
			const n = 4
			x := randSlice(r, n*7)
			probe := randSlice(r, n*5)
			loss := func() float64 { return dot(l.Forward(n, x), probe) }

			loss()
			net.ZeroGrad()
			dy := append([]float32(nil), probe...)
			dx := append([]float32(nil), l.Backward(dy, true, true)...)
			checkGrad(t, "x", x, dx, loss)
			checkGrad(t, "w", l.W.W, l.W.G, loss)
			checkGrad(t, "b", l.B.W, l.B.G, loss)
		})
	}
}

func TestConvGradients(t *testing.T) {
	cases := []struct {
		act kernels.Activation
		sn  bool
	}{{kernels.LeakyReLU, false}, {kernels.Tanh, true}, {kernels.Identity, true}}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/sn=%v", tc.act, tc.sn), func(t *testing.T) {
			net := NewNet("T", 3, 2)
			s := kernels.ConvShape{C: 3, H: 6, W: 6, K: 4, KH: 3, KW: 3, Stride: 1, Pad: 1}
			c := NewConv(net, "conv", s, true, 0.3).WithAct(tc.act, 0.2)
			if tc.sn {
				c.WithSpectralNorm("conv.sn")
				c.SN.Update()
			}
			r := rand.New(rand.NewPCG(4, 4))

			// Biases of ±10 keep every pre-activation several standard
			// deviations from a kink, where differences are undefined.
			for k := range c.B.W {
				if tc.act == kernels.LeakyReLU {
					c.B.W[k] = float32(20*(k%2) - 10)
				}
			}
			const n = 3
			x := randSlice(r, n*s.InSize())
			probe := randSlice(r, n*s.OutSize())
			loss := func() float64 { return dot(c.Forward(n, x), probe) }

			loss()
			net.ZeroGrad()
			dy := append([]float32(nil), probe...)
			dx := append([]float32(nil), c.Backward(dy, true, true)...)
			checkGrad(t, "x", x, dx, loss)
			checkGrad(t, "w", c.W.W, c.W.G, loss)
			checkGrad(t, "b", c.B.W, c.B.G, loss)
		})
	}
}

func TestBatchNormGradients(t *testing.T) {
	for _, classes := range []int{0, 3} {
		for _, act := range []kernels.Activation{kernels.Identity, kernels.ReLU} {
			t.Run(fmt.Sprintf("classes=%d/%v", classes, act), func(t *testing.T) {
				net := NewNet("T", 5, 1)
				const n, c, p = 6, 4, 5
				bn := NewBatchNorm(net, "bn", c, classes).WithAct(act)
				r := rand.New(rand.NewPCG(6, 6))
				// Gains in [0.5, 1.5] and biases of ±6 keep every output
				// away from ReLU's kink: |x̂| stays below 4 for 30 values.
				for i := range bn.Gamma.W {
					bn.Gamma.W[i] = 0.5 + r.Float32()
					bn.Beta.W[i] = float32(12*(i%2) - 6)
				}
				x := randSlice(r, n*c*p)
				labels := []int32{0, 1, 2, 1, 0, 2}
				probe := randSlice(r, n*c*p)
				loss := func() float64 { return dot(bn.Forward(n, p, x, labels, true), probe) }

				loss()
				net.ZeroGrad()
				dy := append([]float32(nil), probe...)
				dx := append([]float32(nil), bn.Backward(dy)...)
				checkGrad(t, "x", x, dx, loss)
				checkGrad(t, "gamma", bn.Gamma.W, bn.Gamma.G, loss)
				checkGrad(t, "beta", bn.Beta.W, bn.Beta.G, loss)
			})
		}
	}
}

func TestSpectralNormSigma(t *testing.T) {
	// diag(3, 1) padded to 2×3: σ = 3, so W/σ has largest singular value 1.
	net := NewNet("T", 7, 1)
	l := NewLinear(net, "fc", 3, 2, false, 1)
	copy(l.W.W, []float32{3, 0, 0, 0, 1, 0})
	l.WithSpectralNorm("fc.sn")
	for range 30 {
		l.SN.Update()
	}
	if math.Abs(float64(l.SN.Sigma)-3) > 1e-5 {
		t.Fatalf("sigma = %g, want 3", l.SN.Sigma)
	}
	if got := l.SN.Normalized()[0]; math.Abs(float64(got)-1) > 1e-5 {
		t.Fatalf("normalised w[0] = %g, want 1", got)
	}
}

func TestUpConvGradients(t *testing.T) {
	net := NewNet("T", 10, 2)
	u := NewUpConv(net, "up", 3, 4, 4, 2, true, 0.3).WithAct(kernels.Tanh, 0)
	r := rand.New(rand.NewPCG(11, 11))
	const n = 3
	x := randSlice(r, n*3*16)
	probe := randSlice(r, n*2*64)
	loss := func() float64 { return dot(u.Forward(n, x), probe) }

	loss()
	net.ZeroGrad()
	dx := append([]float32(nil), u.Backward(append([]float32(nil), probe...), true, true)...)
	checkGrad(t, "x", x, dx, loss)
	checkGrad(t, "w", u.W.W, u.W.G, loss)
	checkGrad(t, "b", u.B.W, u.B.G, loss)
}
