package backend

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// actKind names an elementwise activation.
type actKind int

const (
	actReLU actKind = iota
	actLeaky
	actTanh
)

// actOp applies an activation elementwise to a tensor of any rank.
type actOp struct {
	opBase
	kind  actKind
	alpha float64 // negative slope of leaky ReLU
	dims  int
}

func (actOp) Arity() int              { return 1 }
func (o actOp) Type() hm.Type         { return fnType(o.dims, o.dims) }
func (o actOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o actOp) Hashcode() uint32      { return hashCode(o) }
func (o actOp) String() string {
	return fmt.Sprintf("act{%d,%g,%d}", o.kind, o.alpha, o.dims)
}

func (o actOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	return s.Clone(), err
}

func (o actOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		y := newDense[float32](in[0].Shape()...)
		ys := values[float32](y)
		copy(ys, values[float32](in[0]))
		kernels.BiasActivate(kernelAct(o.kind), float32(o.alpha), 1, 1, len(ys), nil, ys)
		return y, nil
	case tensor.Float64:
		return actForward[float64](o, in[0]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func actForward[T elem](o actOp, x gorgonia.Value) *tensor.Dense {
	y := newDense[T](x.Shape()...)
	xs, ys := values[T](x), values[T](y)
	switch o.kind {
	case actReLU:
		for i, v := range xs {
			ys[i] = max(v, 0)
		}
	case actLeaky:
		a := T(o.alpha)
		for i, v := range xs {
			if v < 0 {
				v *= a
			}
			ys[i] = v
		}
	case actTanh:
		for i, v := range xs {
			ys[i] = T(math.Tanh(float64(v)))
		}
	}
	return y
}

func (actOp) DiffWRT(int) []bool { return []bool{true} }

func (o actOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(actGradOp{o}, in[0], out, grad)
	return gorgonia.Nodes{d}, err
}

func (o actOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := actGradOp{o}.Do(in[0].Value(), out.Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// actGradOp maps (x, y, dy) to dL/dx.
type actGradOp struct{ act actOp }

func (actGradOp) Arity() int           { return 3 }
func (actGradOp) ReturnsPtr() bool     { return false }
func (actGradOp) CallsExtern() bool    { return false }
func (actGradOp) OverwritesInput() int { return -1 }
func (o actGradOp) Type() hm.Type {
	d := o.act.dims
	return fnType(d, d, d, d)
}
func (o actGradOp) String() string        { return "grad" + o.act.String() }
func (o actGradOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o actGradOp) Hashcode() uint32      { return hashCode(o) }

func (o actGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	return s.Clone(), err
}

func (o actGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		if o.act.kind == actLeaky && !(o.act.alpha > 0) {
			// The kernel reads the input's sign off the output, which a
			// zero or negative slope hides.
			return actBackward[float32](o.act, in[0], in[1], in[2]), nil
		}
		dx := newDense[float32](in[0].Shape()...)
		ds := values[float32](dx)
		copy(ds, values[float32](in[2]))
		kernels.ActivateBackward(kernelAct(o.act.kind), float32(o.act.alpha), 1, 1, len(ds),
			values[float32](in[1]), ds, nil)
		return dx, nil
	case tensor.Float64:
		return actBackward[float64](o.act, in[0], in[1], in[2]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func actBackward[T elem](o actOp, x, y, dy gorgonia.Value) *tensor.Dense {
	dx := newDense[T](x.Shape()...)
	xs, ys, gs, ds := values[T](x), values[T](y), values[T](dy), values[T](dx)
	switch o.kind {
	case actReLU:
		for i, v := range xs {
			if v > 0 {
				ds[i] = gs[i]
			}
		}
	case actLeaky:
		a := T(o.alpha)
		for i, v := range xs {
			if v > 0 {
				ds[i] = gs[i]
			} else {
				ds[i] = a * gs[i]
			}
		}
	case actTanh:
		for i, v := range ys {
			ds[i] = gs[i] * (1 - v*v)
		}
	}
	return dx
}
