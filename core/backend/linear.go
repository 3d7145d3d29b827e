package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
)

// DefaultInit is N(0, 0.02), the initialisation of DCGAN and BigGAN-style
// models.
var DefaultInit = Normal(0.02)

// LinearConfig configures a fully connected layer.
type LinearConfig struct {
	In, Out int
	// NoBias drops the bias.
	NoBias bool
	// SpectralNorm divides the weight by its spectral norm.
	SpectralNorm bool
	// Init draws the weight; nil means DefaultInit. Biases start at zero.
	Init Init
	// Act is fused with the bias (one pass); Slope is leaky ReLU's.
	Act   Activation
	Slope float64
}

// Linear maps N×In to N×Out: y = x·Wᵀ + b, with W Out×In as in PyTorch.
type Linear struct {
	W, B *Param // B is nil without bias
	SN   *SpectralNorm
	cfg  LinearConfig
}

// NewLinear registers name+".w" (and name+".b") in ps.
func NewLinear(ps *Params, name string, cfg LinearConfig) *Linear {
	if cfg.In < 1 || cfg.Out < 1 {
		panic(fmt.Sprintf("backend: linear %q: extents %d→%d", name, cfg.In, cfg.Out))
	}
	init := cfg.Init
	if init == nil {
		init = DefaultInit
	}
	l := &Linear{W: ps.Weight(name+".w", init, cfg.Out, cfg.In), cfg: cfg}
	if !cfg.NoBias {
		l.B = ps.Weight(name+".b", Constant(0), cfg.Out)
	}
	if cfg.SpectralNorm {
		l.SN = NewSpectralNorm(ps, name, l.W)
	}
	return l
}

// Forward applies the layer to x (N×In; higher ranks are flattened).
func (l *Linear) Forward(g *Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
	x, err := Flatten(x)
	if err != nil {
		return nil, err
	}
	if x.Shape()[1] != l.cfg.In {
		return nil, fmt.Errorf("linear %s: input %v, want N×%d: %w",
			l.W.Name, x.Shape(), l.cfg.In, core.ErrInvalidArgument)
	}
	w := g.Param(l.W)
	if l.SN != nil {
		if w, err = l.SN.Weight(g); err != nil {
			return nil, err
		}
	}
	y, err := gorgonia.ApplyOp(linearOp{}, x, w)
	if err != nil {
		return nil, err
	}
	return biasAndActivate(g, y, l.B, l.cfg.Act, l.cfg.Slope)
}

// Flatten reshapes N×… to N×(product of the rest); a matrix is returned
// as is.
func Flatten(x *gorgonia.Node) (*gorgonia.Node, error) {
	s := x.Shape()
	if s.Dims() == 2 {
		return x, nil
	}
	if s.Dims() < 2 {
		return nil, fmt.Errorf("flatten: input %v has no batch axis: %w", s, core.ErrInvalidArgument)
	}
	return gorgonia.Reshape(x, []int{s[0], s.TotalSize() / s[0]})
}

// Shift adds a per-channel bias to x N×C×…: b is C, or N×C for a
// per-sample bias (class-conditional batch norm).
func Shift(x, b *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(chanOp{perSample: b.Dims() == 2, dims: x.Dims()}, x, b)
}

// Scale multiplies x N×C×… by a per-channel gain: s is C, or N×C per
// sample.
func Scale(x, s *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(chanOp{mul: true, perSample: s.Dims() == 2, dims: x.Dims()}, x, s)
}

// biasAndActivate adds the bias b (nil for none) and applies act, fused
// when there is both.
func biasAndActivate(g *Graph, y *gorgonia.Node, b *Param, act Activation, slope float64) (
	*gorgonia.Node, error) {
	switch {
	case b == nil:
		return activate(y, act, slope)
	case act == NoActivation:
		return Shift(y, g.Param(b))
	}
	return ShiftActivate(y, g.Param(b), act, slope)
}
