package backend

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// specNormOp divides a weight W (rank dims, read as out × rest) by its
// spectral-norm estimate σ = uᵀ·W·v, where u (out) and v (rest) are the
// power-iteration vectors: constants here, as in PyTorch's and BigGAN's
// spectral norm, so the gradient flows through W only:
// dW = dY/σ - (⟨dY, W⟩/σ²)·u·vᵀ.
type specNormOp struct {
	opBase
	dims     int
	gradient bool // inputs W, u, v, dY: the gradient wrt W
}

func (o specNormOp) Arity() int {
	if o.gradient {
		return 4
	}
	return 3
}

func (o specNormOp) Type() hm.Type {
	if o.gradient {
		return fnType(o.dims, o.dims, 1, 1, o.dims)
	}
	return fnType(o.dims, o.dims, 1, 1)
}

func (o specNormOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o specNormOp) Hashcode() uint32      { return hashCode(o) }
func (o specNormOp) String() string {
	return fmt.Sprintf("specNorm{%d,grad:%t}", o.dims, o.gradient)
}

func (o specNormOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	w, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	u, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	v, err := shapeOf(in, 2)
	if err != nil {
		return nil, err
	}
	if u.TotalSize() != w[0] || u.TotalSize()*v.TotalSize() != w.TotalSize() {
		return nil, fmt.Errorf("%v: vectors %v, %v do not fit weight %v", o, u, v, w)
	}
	return w.Clone(), nil
}

func (o specNormOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return specNorm[float32](o, in), nil
	case tensor.Float64:
		return specNorm[float64](o, in), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

// sigma returns uᵀ·W·v in float64.
func sigma[T elem](w, u, v []T) float64 {
	cols := len(v)
	var s float64
	for i, ui := range u {
		var row float64
		for j, vj := range v {
			row += float64(w[i*cols+j]) * float64(vj)
		}
		s += float64(ui) * row
	}
	return s
}

func specNorm[T elem](o specNormOp, in []gorgonia.Value) *tensor.Dense {
	ws, us, vs := values[T](in[0]), values[T](in[1]), values[T](in[2])
	y := newDense[T](in[0].Shape()...)
	ys := values[T](y)
	s := sigma(ws, us, vs)
	if !o.gradient {
		for i, w := range ws {
			ys[i] = T(float64(w) / s)
		}
		return y
	}

	gs := values[T](in[3])
	var dot float64
	for i, g := range gs {
		dot += float64(g) * float64(ws[i])
	}
	k, cols := dot/(s*s), len(vs)
	for i, g := range gs {
		ys[i] = T(float64(g)/s - k*float64(us[i/cols])*float64(vs[i%cols]))
	}
	return y
}

func (specNormOp) DiffWRT(int) []bool { return []bool{true, false, false} }

func (o specNormOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(specNormOp{dims: o.dims, gradient: true}, in[0], in[1], in[2], grad)
	return gorgonia.Nodes{d, nil, nil}, err
}

func (o specNormOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	op := specNormOp{dims: o.dims, gradient: true}
	d, err := op.Do(in[0].Value(), in[1].Value(), in[2].Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// embedOp gathers rows of a K×D table by index: inputs table and N indices
// (held as floats of the table's dtype, so they bind like any input),
// output N×D. With gradient set, inputs are indices and dY, and the output
// is the K×D table gradient (rows scatter-added).
type embedOp struct {
	opBase
	gradient bool
	k        int // table rows, for the gradient's shape
}

func (embedOp) Arity() int { return 2 }
func (o embedOp) Type() hm.Type {
	if o.gradient {
		return fnType(2, 1, 2)
	}
	return fnType(2, 2, 1)
}
func (o embedOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o embedOp) Hashcode() uint32      { return hashCode(o) }
func (o embedOp) String() string        { return fmt.Sprintf("embed{grad:%t,%d}", o.gradient, o.k) }

func (o embedOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	a, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	b, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if o.gradient {
		return tensor.Shape{o.k, b[1]}, nil
	}
	return tensor.Shape{b.TotalSize(), a[1]}, nil
}

func (o embedOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return embed[float32](o, in)
	case tensor.Float64:
		return embed[float64](o, in)
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func embed[T elem](o embedOp, in []gorgonia.Value) (*tensor.Dense, error) {
	if o.gradient {
		idx, gs := values[T](in[0]), values[T](in[1])
		d := in[1].Shape()[1]
		out := newDense[T](o.k, d)
		os := values[T](out)
		for n, f := range idx {
			r := int(f)
			addInto(os[r*d:(r+1)*d], gs[n*d:(n+1)*d])
		}
		return out, nil
	}

	table, idx := values[T](in[0]), values[T](in[1])
	k, d := in[0].Shape()[0], in[0].Shape()[1]
	out := newDense[T](len(idx), d)
	os := values[T](out)
	for n, f := range idx {
		r := int(f)
		if r < 0 || r >= k || T(r) != f {
			return nil, fmt.Errorf("embedding: index %v of sample %d is not a row of a %d-row table: %w",
				f, n, k, core.ErrInvalidArgument)
		}
		copy(os[n*d:(n+1)*d], table[r*d:(r+1)*d])
	}
	return out, nil
}

func (embedOp) DiffWRT(int) []bool { return []bool{true, false} }

func (o embedOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(embedOp{gradient: true, k: in[0].Shape()[0]}, in[1], grad)
	return gorgonia.Nodes{d, nil}, err
}

func (o embedOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := embedOp{gradient: true, k: in[0].Shape()[0]}.Do(in[1].Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}
