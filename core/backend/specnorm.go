package backend

import (
	"math"

	"gorgonia.org/gorgonia"
)

// snEps keeps the power iteration's normalisation finite (PyTorch's 1e-12).
const snEps = 1e-12

// SpectralNorm divides a weight by an estimate of its largest singular
// value (Miyato et al. 2018), reading the weight as out × (everything
// else). The estimate comes from power-iteration vectors u (out) and v
// (rest), kept as state in the Params (so checkpoints carry them).
//
// The vectors advance by exactly one power iteration before each Run of a
// graph in Mode.PowerIteration, which the D-step graph sets: they update
// once per D update, as in BigGAN. The G step and evaluation use them as
// they stand.
type SpectralNorm struct {
	W, U, V *Param
}

// NewSpectralNorm registers u and v for w under name+".sn_u" and
// name+".sn_v", drawn N(0,1) and normalised like PyTorch's.
func NewSpectralNorm(ps *Params, name string, w *Param) *SpectralNorm {
	shape := w.Value.Shape()
	out := shape[0]
	rest := shape.TotalSize() / out
	sn := &SpectralNorm{
		W: w,
		U: ps.State(name+".sn_u", Normal(1), out),
		V: ps.State(name+".sn_v", Normal(1), rest),
	}
	for _, p := range []*Param{sn.U, sn.V} {
		x := Float64s(p.Value)
		normalise(x)
		SetFloat64s(p.Value, x)
	}
	return sn
}

// Weight returns the node W/σ in g, registering the power iteration on
// g's first use when g's mode asks for it.
func (sn *SpectralNorm) Weight(g *Graph) (*gorgonia.Node, error) {
	if g.Mode().PowerIteration && g.Once(sn) {
		g.BeforeRun(func() error {
			sn.PowerIterate()
			return nil
		})
	}
	w := g.Param(sn.W)
	return gorgonia.ApplyOp(specNormOp{dims: w.Dims()}, w, g.Param(sn.U), g.Param(sn.V))
}

// PowerIterate advances u and v by one iteration on the current weight,
// in place: v = Wᵀu/‖Wᵀu‖, u = Wv/‖Wv‖.
func (sn *SpectralNorm) PowerIterate() {
	w, u := Float64s(sn.W.Value), Float64s(sn.U.Value)
	out, rest := len(u), sn.V.Value.Size()

	v := make([]float64, rest)
	for i := range out {
		for j := range rest {
			v[j] += w[i*rest+j] * u[i]
		}
	}
	normalise(v)
	for i := range out {
		var s float64
		for j := range rest {
			s += w[i*rest+j] * v[j]
		}
		u[i] = s
	}
	normalise(u)

	SetFloat64s(sn.U.Value, u)
	SetFloat64s(sn.V.Value, v)
}

// Sigma returns the current estimate uᵀWv of the largest singular value.
func (sn *SpectralNorm) Sigma() float64 {
	return sigma(Float64s(sn.W.Value), Float64s(sn.U.Value), Float64s(sn.V.Value))
}

func normalise(x []float64) {
	var s float64
	for _, v := range x {
		s += v * v
	}
	n := math.Max(math.Sqrt(s), snEps)
	for i := range x {
		x[i] /= n
	}
}
