package backend

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// chanLayout reads x as N×C×S, where S is the product of the extents after
// the channel axis (1 for an N×C matrix).
type chanLayout struct{ n, c, s int }

func layoutOf(x tensor.Shape) chanLayout {
	l := chanLayout{n: x[0], c: x[1], s: 1}
	for _, d := range x[2:] {
		l.s *= d
	}
	return l
}

// chanOp adds (mul false) or multiplies (mul true) x N×C×… by a per-channel
// parameter p, shaped C (shared by the batch) or N×C (per sample, as in
// class-conditional batch norm).
type chanOp struct {
	opBase
	mul       bool
	perSample bool
	dims      int
}

func (chanOp) Arity() int              { return 2 }
func (o chanOp) Type() hm.Type         { return fnType(o.dims, o.dims, o.pdims()) }
func (o chanOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o chanOp) Hashcode() uint32      { return hashCode(o) }
func (o chanOp) String() string {
	return fmt.Sprintf("chan{mul:%t,ps:%t,%d}", o.mul, o.perSample, o.dims)
}

func (o chanOp) pdims() int {
	if o.perSample {
		return 2
	}
	return 1
}

func (o chanOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	p, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	want := tensor.Shape{x[1]}
	if o.perSample {
		want = tensor.Shape{x[0], x[1]}
	}
	if !p.Eq(want) {
		return nil, fmt.Errorf("%v: parameter shape %v does not fit input %v (want %v)", o, p, x, want)
	}
	return x.Clone(), nil
}

func (o chanOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return chanForward[float32](o, in[0], in[1]), nil
	case tensor.Float64:
		return chanForward[float64](o, in[0], in[1]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func chanForward[T elem](o chanOp, x, p gorgonia.Value) *tensor.Dense {
	l := layoutOf(x.Shape())
	y := newDense[T](x.Shape()...)
	xs, ps, ys := values[T](x), values[T](p), values[T](y)
	for n := range l.n {
		for c := range l.c {
			k := c
			if o.perSample {
				k = n*l.c + c
			}
			v := ps[k]
			off := (n*l.c + c) * l.s
			src, dst := xs[off:off+l.s], ys[off:off+l.s]
			if o.mul {
				for i, a := range src {
					dst[i] = a * v
				}
				continue
			}
			for i, a := range src {
				dst[i] = a + v
			}
		}
	}
	return y
}

func (chanOp) DiffWRT(int) []bool { return []bool{true, true} }

func (o chanOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	red := chanReduceOp{perSample: o.perSample, dims: o.dims}
	if !o.mul {
		dp, err := gorgonia.ApplyOp(red, grad)
		return gorgonia.Nodes{grad, dp}, err
	}
	dx, err := gorgonia.ApplyOp(o, grad, in[1])
	if err != nil {
		return nil, err
	}
	red.withX = true
	dp, err := gorgonia.ApplyOp(red, grad, in[0])
	return gorgonia.Nodes{dx, dp}, err
}

func (o chanOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	red := chanReduceOp{perSample: o.perSample, dims: o.dims}
	dx, dp := g, gorgonia.Value(nil)
	if o.mul {
		if dx, err = o.Do(g, in[1].Value()); err != nil {
			return err
		}
		red.withX = true
		dp, err = red.Do(g, in[0].Value())
	} else {
		dp, err = red.Do(g)
	}
	if err != nil {
		return err
	}
	if err := accumulate(in[0], dx); err != nil {
		return err
	}
	return accumulate(in[1], dp)
}

// chanReduceOp sums dy (or dy·x when withX) over everything but the channel
// axis (and the batch axis when perSample): the gradient of a chanOp's
// parameter.
type chanReduceOp struct {
	opBase
	perSample bool
	withX     bool
	dims      int
}

func (o chanReduceOp) Arity() int {
	if o.withX {
		return 2
	}
	return 1
}

func (o chanReduceOp) Type() hm.Type {
	out := 1
	if o.perSample {
		out = 2
	}
	if o.withX {
		return fnType(out, o.dims, o.dims)
	}
	return fnType(out, o.dims)
}

func (o chanReduceOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o chanReduceOp) Hashcode() uint32      { return hashCode(o) }
func (o chanReduceOp) String() string {
	return fmt.Sprintf("chanReduce{ps:%t,x:%t,%d}", o.perSample, o.withX, o.dims)
}

func (o chanReduceOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	if o.perSample {
		return tensor.Shape{x[0], x[1]}, nil
	}
	return tensor.Shape{x[1]}, nil
}

func (o chanReduceOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return chanReduce[float32](o, in), nil
	case tensor.Float64:
		return chanReduce[float64](o, in), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func chanReduce[T elem](o chanReduceOp, in []gorgonia.Value) *tensor.Dense {
	l := layoutOf(in[0].Shape())
	var out *tensor.Dense
	if o.perSample {
		out = newDense[T](l.n, l.c)
	} else {
		out = newDense[T](l.c)
	}
	gs, os := values[T](in[0]), values[T](out)
	var xs []T
	if o.withX {
		xs = values[T](in[1])
	}
	for n := range l.n {
		for c := range l.c {
			k := c
			if o.perSample {
				k = n*l.c + c
			}
			off := (n*l.c + c) * l.s
			var sum T
			if o.withX {
				for i, g := range gs[off : off+l.s] {
					sum += g * xs[off+i]
				}
			} else {
				for _, g := range gs[off : off+l.s] {
					sum += g
				}
			}
			os[k] += sum
		}
	}
	return out
}
