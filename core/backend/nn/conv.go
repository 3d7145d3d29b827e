package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// Conv is a 2-D convolution with bias and a fused activation:
// y = act(conv(x, W) + b), on n×C×H×W images, W K×C×KH×KW.
type Conv struct {
	Shape kernels.ConvShape
	W, B  *Param // B is nil without bias
	SN    *SpectralNorm
	Act   kernels.Activation
	Slope float32 // LeakyReLU's negative slope

	net   *Net
	k     *kernels.Conv
	x     []float32
	n     int
	y, dx []float32
}

// NewConv registers name.w (N(0, std²)) and, with bias, name.b (zeros).
func NewConv(net *Net, name string, s kernels.ConvShape, bias bool, std float64) *Conv {
	c := &Conv{Shape: s, net: net, k: kernels.NewConv(s, net.Workers)}
	c.W = net.Weight(name+".w", backend.Normal(std), s.K, s.C, s.KH, s.KW)
	if bias {
		c.B = net.Weight(name+".b", backend.Constant(0), s.K)
	}
	return c
}

// WithAct sets the fused activation and returns c.
func (c *Conv) WithAct(act kernels.Activation, slope float32) *Conv {
	c.Act, c.Slope = act, slope
	c.k.Act, c.k.Slope = act, slope
	return c
}

// WithKeptCols makes the kernel keep Forward's im2col for the weight
// gradient of the same batch (see kernels.Conv.KeepCols) and returns c.
func (c *Conv) WithKeptCols() *Conv {
	c.k.KeepCols = true
	return c
}

// WithSpectralNorm divides W by its largest singular value and returns c.
func (c *Conv) WithSpectralNorm(name string) *Conv {
	s := c.Shape
	c.SN = NewSpectralNorm(c.net, name, c.W, s.K, s.C*s.KH*s.KW)
	return c
}

// Forward computes the n×K×OH×OW output.
func (c *Conv) Forward(n int, x []float32) []float32 {
	s := c.Shape
	c.x, c.n = x, n
	c.y = grow(&c.y, n*s.OutSize())
	var b []float32
	if c.B != nil {
		b = c.B.W
	}
	c.k.Forward(n, x, refreshWeight(c.W, c.SN), b, c.y)
	return c.y
}

// Backward overwrites dy with the gradient before the activation, adds the
// weight and bias gradients when needW, and returns the input gradient when
// needX (else nil).
func (c *Conv) Backward(dy []float32, needX, needW bool) []float32 {
	s := c.Shape
	var db []float32
	if c.B != nil && needW {
		db = c.B.G
	}
	var gw []float32
	if needW {
		gw = weightGrad(c.W, c.SN)
	}
	var dx []float32
	if needX {
		c.dx = grow(&c.dx, c.n*s.InSize())
		dx = c.dx
	}
	c.k.BackwardAct(c.n, c.x, c.y, dy, currentWeight(c.W, c.SN), dx, gw, db)
	if needW {
		foldWeightGrad(c.SN)
	}
	return dx
}
