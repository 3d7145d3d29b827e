package backend

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// normOp standardises x N×C×… per channel with the batch's own mean and
// biased variance: x̂ = (x - μ_c) / sqrt(σ²_c + ε). It is batch norm's
// training-mode core; the affine part is a chanOp.
type normOp struct {
	opBase
	eps  float64
	dims int
}

func (normOp) Arity() int              { return 1 }
func (o normOp) Type() hm.Type         { return fnType(o.dims, o.dims) }
func (o normOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o normOp) Hashcode() uint32      { return hashCode(o) }
func (o normOp) String() string        { return fmt.Sprintf("norm{%g,%d}", o.eps, o.dims) }

func (o normOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	return s.Clone(), err
}

func (o normOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return normForward[float32](o.eps, in[0]), nil
	case tensor.Float64:
		return normForward[float64](o.eps, in[0]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

// channelStats returns each channel's mean and biased variance over the
// batch and spatial axes, accumulated in float64.
func channelStats[T elem](l chanLayout, xs []T) (mean, variance []float64) {
	mean, variance = make([]float64, l.c), make([]float64, l.c)
	count := float64(l.n * l.s)
	for c := range l.c {
		var sum float64
		for n := range l.n {
			for _, v := range xs[(n*l.c+c)*l.s : (n*l.c+c+1)*l.s] {
				sum += float64(v)
			}
		}
		mu := sum / count
		var sq float64
		for n := range l.n {
			for _, v := range xs[(n*l.c+c)*l.s : (n*l.c+c+1)*l.s] {
				d := float64(v) - mu
				sq += d * d
			}
		}
		mean[c], variance[c] = mu, sq/count
	}
	return mean, variance
}

func normForward[T elem](eps float64, x gorgonia.Value) *tensor.Dense {
	l := layoutOf(x.Shape())
	y := newDense[T](x.Shape()...)
	xs, ys := values[T](x), values[T](y)
	mean, variance := channelStats(l, xs)
	for c := range l.c {
		inv := 1 / math.Sqrt(variance[c]+eps)
		for n := range l.n {
			off := (n*l.c + c) * l.s
			for i, v := range xs[off : off+l.s] {
				ys[off+i] = T((float64(v) - mean[c]) * inv)
			}
		}
	}
	return y
}

func (normOp) DiffWRT(int) []bool { return []bool{true} }

func (o normOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(normGradOp{o}, in[0], grad)
	return gorgonia.Nodes{d}, err
}

func (o normOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := normGradOp{o}.Do(in[0].Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// normGradOp maps (x, dy) to dL/dx of normOp:
// dx = (dy - mean(dy) - x̂·mean(dy·x̂)) / sqrt(σ² + ε), means per channel.
type normGradOp struct{ norm normOp }

func (normGradOp) Arity() int              { return 2 }
func (normGradOp) ReturnsPtr() bool        { return false }
func (normGradOp) CallsExtern() bool       { return false }
func (normGradOp) OverwritesInput() int    { return -1 }
func (o normGradOp) Type() hm.Type         { return fnType(o.norm.dims, o.norm.dims, o.norm.dims) }
func (o normGradOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o normGradOp) Hashcode() uint32      { return hashCode(o) }
func (o normGradOp) String() string        { return "grad" + o.norm.String() }

func (o normGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	return s.Clone(), err
}

func (o normGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return normBackward[float32](o.norm.eps, in[0], in[1]), nil
	case tensor.Float64:
		return normBackward[float64](o.norm.eps, in[0], in[1]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func normBackward[T elem](eps float64, x, dy gorgonia.Value) *tensor.Dense {
	l := layoutOf(x.Shape())
	dx := newDense[T](x.Shape()...)
	xs, gs, ds := values[T](x), values[T](dy), values[T](dx)
	mean, variance := channelStats(l, xs)
	count := float64(l.n * l.s)
	for c := range l.c {
		inv := 1 / math.Sqrt(variance[c]+eps)
		var sumG, sumGX float64
		for n := range l.n {
			off := (n*l.c + c) * l.s
			for i, g := range gs[off : off+l.s] {
				sumG += float64(g)
				sumGX += float64(g) * (float64(xs[off+i]) - mean[c]) * inv
			}
		}
		mg, mgx := sumG/count, sumGX/count
		for n := range l.n {
			off := (n*l.c + c) * l.s
			for i, g := range gs[off : off+l.s] {
				xh := (float64(xs[off+i]) - mean[c]) * inv
				ds[off+i] = T((float64(g) - mg - xh*mgx) * inv)
			}
		}
	}
	return dx
}

// normEvalOp standardises x with given statistics (batch norm in eval
// mode): inputs x, running mean C and running variance C; only x has a
// gradient, dx = dy / sqrt(var + ε), computed by the same op with
// subtract false.
type normEvalOp struct {
	opBase
	eps      float64
	dims     int
	gradient bool
}

func (normEvalOp) Arity() int              { return 3 }
func (o normEvalOp) Type() hm.Type         { return fnType(o.dims, o.dims, 1, 1) }
func (o normEvalOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o normEvalOp) Hashcode() uint32      { return hashCode(o) }
func (o normEvalOp) String() string {
	return fmt.Sprintf("normEval{%g,%d,grad:%t}", o.eps, o.dims, o.gradient)
}

func (o normEvalOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	return s.Clone(), err
}

func (o normEvalOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return normEval[float32](o, in), nil
	case tensor.Float64:
		return normEval[float64](o, in), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func normEval[T elem](o normEvalOp, in []gorgonia.Value) *tensor.Dense {
	l := layoutOf(in[0].Shape())
	y := newDense[T](in[0].Shape()...)
	xs, ms, vs, ys := values[T](in[0]), values[T](in[1]), values[T](in[2]), values[T](y)
	for n := range l.n {
		for c := range l.c {
			inv := 1 / math.Sqrt(float64(vs[c])+o.eps)
			mu := float64(ms[c])
			if o.gradient {
				mu = 0
			}
			off := (n*l.c + c) * l.s
			for i, v := range xs[off : off+l.s] {
				ys[off+i] = T((float64(v) - mu) * inv)
			}
		}
	}
	return y
}

func (normEvalOp) DiffWRT(int) []bool { return []bool{true, false, false} }

func (o normEvalOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := o
	g.gradient = true
	d, err := gorgonia.ApplyOp(g, grad, in[1], in[2])
	return gorgonia.Nodes{d, nil, nil}, err
}

func (o normEvalOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	op := o
	op.gradient = true
	d, err := op.Do(g, in[1].Value(), in[2].Value())
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}
