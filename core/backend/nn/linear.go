package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// Linear is y = act(x·Wᵀ + b) on n×In rows, W Out×In (PyTorch's layout).
type Linear struct {
	In, Out int
	W, B    *Param        // B is nil without bias
	SN      *SpectralNorm // nil without spectral norm
	Act     kernels.Activation
	Slope   float32 // LeakyReLU's negative slope

	net   *Net
	x     []float32
	n     int
	y, dx []float32
}

// NewLinear registers name.w (N(0, std²)) and, with bias, name.b (zeros).
func NewLinear(net *Net, name string, in, out int, bias bool, std float64) *Linear {
	l := &Linear{In: in, Out: out, net: net}
	l.W = net.Weight(name+".w", backend.Normal(std), out, in)
	if bias {
		l.B = net.Weight(name+".b", backend.Constant(0), out)
	}
	return l
}

// WithAct sets the fused activation and returns l.
func (l *Linear) WithAct(act kernels.Activation, slope float32) *Linear {
	l.Act, l.Slope = act, slope
	return l
}

// WithSpectralNorm divides W by its largest singular value (see
// SpectralNorm) and returns l.
func (l *Linear) WithSpectralNorm(name string) *Linear {
	l.SN = NewSpectralNorm(l.net, name, l.W, l.Out, l.In)
	return l
}

// Forward computes the n×Out output.
func (l *Linear) Forward(n int, x []float32) []float32 {
	l.x, l.n = x, n
	l.y = grow(&l.y, n*l.Out)
	var b []float32
	if l.B != nil {
		b = l.B.W
	}
	kernels.LinearForward(l.net.Workers, n, l.In, l.Out, x, refreshWeight(l.W, l.SN), b, l.y)
	if l.Act != kernels.Identity {
		kernels.BiasActivate(l.Act, l.Slope, n, l.Out, 1, nil, l.y)
	}
	return l.y
}

// Output returns the last Forward's output, n×Out (owned by l).
func (l *Linear) Output() []float32 { return l.y }

// Backward adds the weight gradients when needW and returns the input
// gradient when needX (else nil). With an activation it overwrites dy.
func (l *Linear) Backward(dy []float32, needX, needW bool) []float32 {
	if l.Act != kernels.Identity {
		kernels.ActivateBackward(l.Act, l.Slope, l.n, l.Out, 1, l.y, dy, nil)
	}
	if needW {
		var db []float32
		if l.B != nil {
			db = l.B.G
		}
		kernels.LinearBackwardWeights(l.net.Workers, l.n, l.In, l.Out, l.x, dy,
			weightGrad(l.W, l.SN), db)
		foldWeightGrad(l.SN)
	}
	if !needX {
		return nil
	}
	l.dx = grow(&l.dx, l.n*l.In)
	kernels.LinearBackwardData(l.net.Workers, l.n, l.In, l.Out, dy, currentWeight(l.W, l.SN),
		l.dx)
	return l.dx
}
