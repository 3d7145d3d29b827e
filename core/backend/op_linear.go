package backend

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearOp computes y = x·Wᵀ for x N×in and W out×in (PyTorch's layout, so
// weights move between the two without a transpose), as one BLAS call.
type linearOp struct{ opBase }

func (linearOp) Arity() int              { return 2 }
func (linearOp) Type() hm.Type           { return fnType(2, 2, 2) }
func (linearOp) String() string          { return "linear" }
func (o linearOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o linearOp) Hashcode() uint32      { return hashCode(o) }

func (o linearOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if x.Dims() != 2 || w.Dims() != 2 || x[1] != w[1] {
		return nil, fmt.Errorf("linear: input %v and weight %v do not fit (want N×in, out×in)", x, w)
	}
	return tensor.Shape{x[0], w[0]}, nil
}

func (o linearOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, w := in[0].Shape(), in[1].Shape()
	switch valueDtype(in[0]) {
	case tensor.Float32:
		y := newDense[float32](x[0], w[0])
		linearForward32(values[float32](in[0]), values[float32](in[1]), values[float32](y),
			x[0], x[1], w[0])
		return y, nil
	case tensor.Float64:
		return linearFwd[float64](values[float64](in[0]), values[float64](in[1]), x[0], x[1], w[0]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func linearFwd[T elem](x, w []T, n, in, out int) *tensor.Dense {
	y := newDense[T](n, out)
	gemm(false, true, n, out, in, 1, x, in, w, in, 0, values[T](y), out)
	return y
}

func (linearOp) DiffWRT(int) []bool { return []bool{true, true} }

func (linearOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(linearGradOp{wrt: 0}, in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(linearGradOp{wrt: 1}, in[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw}, nil
}

func (o linearOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	for i, other := range []*gorgonia.Node{in[1], in[0]} {
		d, err := linearGradOp{wrt: i}.Do(other.Value(), g)
		if err != nil {
			return err
		}
		if err := accumulate(in[i], d); err != nil {
			return err
		}
	}
	return nil
}

// linearGradOp gives dL/dx = dy·W (wrt 0, inputs W, dy) or dL/dW = dyᵀ·x
// (wrt 1, inputs x, dy).
type linearGradOp struct {
	opBase
	wrt int
}

func (linearGradOp) Arity() int              { return 2 }
func (linearGradOp) Type() hm.Type           { return fnType(2, 2, 2) }
func (o linearGradOp) String() string        { return fmt.Sprintf("linearGrad{wrt:%d}", o.wrt) }
func (o linearGradOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o linearGradOp) Hashcode() uint32      { return hashCode(o) }

func (o linearGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	a, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	dy, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if o.wrt == 0 {
		return tensor.Shape{dy[0], a[1]}, nil
	}
	return tensor.Shape{dy[1], a[1]}, nil
}

func (o linearGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return linearGrad32(o.wrt, in[0], in[1]), nil
	case tensor.Float64:
		return linearGrad[float64](o.wrt, in[0], in[1]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func linearGrad[T elem](wrt int, a, dy gorgonia.Value) *tensor.Dense {
	as, ds := a.Shape(), dy.Shape()
	av, dv := values[T](a), values[T](dy)
	if wrt == 0 {
		// a is W (out×in), dy is N×out: dx = dy·W.
		n, out, in := ds[0], ds[1], as[1]
		dx := newDense[T](n, in)
		gemm(false, false, n, in, out, 1, dv, out, av, in, 0, values[T](dx), in)
		return dx
	}

	// a is x (N×in), dy is N×out: dW = dyᵀ·x.
	n, out, in := ds[0], ds[1], as[1]
	dw := newDense[T](out, in)
	gemm(true, false, out, in, n, 1, dv, out, av, in, 0, values[T](dw), in)
	return dw
}

func linearGrad32(wrt int, a, dy gorgonia.Value) *tensor.Dense {
	as, ds := a.Shape(), dy.Shape()
	n, out, in := ds[0], ds[1], as[1]
	if wrt == 0 {
		dx := newDense[float32](n, in)
		linearBackwardData32(values[float32](a), values[float32](dy), values[float32](dx), n, in, out)
		return dx
	}
	dw := newDense[float32](out, in)
	linearBackwardWeights32(values[float32](a), values[float32](dy), values[float32](dw), n, in, out)
	return dw
}
