package biggan32

import (
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// TestSharedBNGradients checks BigGAN's conditional batch norm alone: the
// input, the conditioning vectors and the gain and bias maps.
func TestSharedBNGradients(t *testing.T) {
	const n, c, p, in = 5, 3, 6, 4
	net := nn.NewNet("G", 1, 2)
	s := newSharedBN(net, "bn", c, in)
	s.setAct(kernels.Tanh)
	r := rand.New(rand.NewPCG(7, 8))

	// W/σ does not change when W is scaled; at unit scale rather than
	// weightStd, a step of fdStep is small next to σ, so the differences
	// stay in the linear regime.
	for _, name := range []string{"bn.gain.w", "bn.bias.w"} {
		w := net.Params.Get(name).Value.Float32s()
		for i := range w {
			w[i] /= weightStd
		}
	}
	x := randSlice(r, n*c*p)
	cond := randSlice(r, n*in)
	probe := randSlice(r, n*c*p)
	loss := func() float64 {
		return dot(s.forward(n, p, x, condition{vec: cond}, true), probe)
	}

	loss()
	net.ZeroGrad()
	dCond := make([]float32, n*in)
	dx := append([]float32(nil), s.backward(append([]float32(nil), probe...), dCond)...)
	g := grads(net)
	checkGrad(t, "x", x, dx, loss)
	checkGrad(t, "cond", cond, dCond, loss)
	for _, name := range []string{"bn.gain.w", "bn.bias.w"} {
		checkGrad(t, name, net.Params.Get(name).Value.Float32s(), g[name], loss)
	}
}
