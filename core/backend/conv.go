package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
)

// ConvConfig configures a 2-D convolution with a square kernel.
type ConvConfig struct {
	In, Out      int
	Kernel       int
	Stride       int // 0 means 1
	Pad          int
	NoBias       bool
	SpectralNorm bool
	// Init draws the weight; nil means DefaultInit.
	Init Init
	// Act is fused with the bias (one pass); Slope is leaky ReLU's.
	Act   Activation
	Slope float64
}

// Conv2d maps N×In×H×W to N×Out×H'×W' with H' = (H+2·Pad-Kernel)/Stride+1;
// W is Out×In×Kernel×Kernel as in PyTorch.
type Conv2d struct {
	W, B *Param
	SN   *SpectralNorm
	cfg  ConvConfig
}

// NewConv2d registers name+".w" (and name+".b") in ps.
func NewConv2d(ps *Params, name string, cfg ConvConfig) *Conv2d {
	if cfg.Stride == 0 {
		cfg.Stride = 1
	}
	if cfg.In < 1 || cfg.Out < 1 || cfg.Kernel < 1 || cfg.Stride < 1 || cfg.Pad < 0 {
		panic(fmt.Sprintf("backend: conv %q: bad config %+v", name, cfg))
	}
	init := cfg.Init
	if init == nil {
		init = DefaultInit
	}
	c := &Conv2d{W: ps.Weight(name+".w", init, cfg.Out, cfg.In, cfg.Kernel, cfg.Kernel), cfg: cfg}
	if !cfg.NoBias {
		c.B = ps.Weight(name+".b", Constant(0), cfg.Out)
	}
	if cfg.SpectralNorm {
		c.SN = NewSpectralNorm(ps, name, c.W)
	}
	return c
}

// Forward applies the convolution to x N×In×H×W.
func (c *Conv2d) Forward(g *Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
	if s := x.Shape(); s.Dims() != 4 || s[1] != c.cfg.In {
		return nil, fmt.Errorf("conv %s: input %v, want N×%d×H×W: %w",
			c.W.Name, s, c.cfg.In, core.ErrInvalidArgument)
	}
	w := g.Param(c.W)
	if c.SN != nil {
		var err error
		if w, err = c.SN.Weight(g); err != nil {
			return nil, err
		}
	}
	y, err := gorgonia.ApplyOp(convOp{convGeom: c.geom(), k: &convKernel{}}, x, w)
	if err != nil {
		return nil, fmt.Errorf("conv %s: %w", c.W.Name, err)
	}
	return biasAndActivate(g, y, c.B, c.cfg.Act, c.cfg.Slope)
}

func (c *Conv2d) geom() convGeom { return convGeom{Stride: c.cfg.Stride, Pad: c.cfg.Pad} }

// ConvTranspose2d maps N×In×H×W to N×Out×H'×W' with
// H' = (H-1)·Stride - 2·Pad + Kernel: the gradient of a convolution with
// respect to its input, as PyTorch's ConvTranspose2d (W is
// In×Out×Kernel×Kernel).
type ConvTranspose2d struct {
	W, B *Param
	SN   *SpectralNorm
	cfg  ConvConfig
}

// NewConvTranspose2d registers name+".w" (and name+".b") in ps.
func NewConvTranspose2d(ps *Params, name string, cfg ConvConfig) *ConvTranspose2d {
	if cfg.Stride == 0 {
		cfg.Stride = 1
	}
	if cfg.In < 1 || cfg.Out < 1 || cfg.Kernel < 1 || cfg.Stride < 1 || cfg.Pad < 0 {
		panic(fmt.Sprintf("backend: conv transpose %q: bad config %+v", name, cfg))
	}
	init := cfg.Init
	if init == nil {
		init = DefaultInit
	}
	c := &ConvTranspose2d{
		W:   ps.Weight(name+".w", init, cfg.In, cfg.Out, cfg.Kernel, cfg.Kernel),
		cfg: cfg,
	}
	if !cfg.NoBias {
		c.B = ps.Weight(name+".b", Constant(0), cfg.Out)
	}
	if cfg.SpectralNorm {
		c.SN = NewSpectralNorm(ps, name, c.W)
	}
	return c
}

// Forward applies the transposed convolution to x N×In×H×W.
func (c *ConvTranspose2d) Forward(g *Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
	s := x.Shape()
	if s.Dims() != 4 || s[1] != c.cfg.In {
		return nil, fmt.Errorf("conv transpose %s: input %v, want N×%d×H×W: %w",
			c.W.Name, s, c.cfg.In, core.ErrInvalidArgument)
	}
	k, st, p := c.cfg.Kernel, c.cfg.Stride, c.cfg.Pad
	oh, ow := (s[2]-1)*st-2*p+k, (s[3]-1)*st-2*p+k
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("conv transpose %s: input %v gives an empty output: %w",
			c.W.Name, s, core.ErrInvalidArgument)
	}
	w := g.Param(c.W)
	if c.SN != nil {
		var err error
		if w, err = c.SN.Weight(g); err != nil {
			return nil, err
		}
	}
	op := convGradOp{convGeom: convGeom{Stride: st, Pad: p}, wrt: 0,
		shape: []int{s[0], c.cfg.Out, oh, ow}, k: &convKernel{}}
	y, err := gorgonia.ApplyOp(op, w, x)
	if err != nil {
		return nil, fmt.Errorf("conv transpose %s: %w", c.W.Name, err)
	}
	return biasAndActivate(g, y, c.B, c.cfg.Act, c.cfg.Slope)
}
