package backend

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// l2NormOp scales each row of an N×D matrix to length scale:
// y = scale·x/‖x‖ (‖x‖ floored at snEps). Its gradient, with gradient set
// and inputs (x, dy): dx = (scale·dy - y·(y·dy)/scale)/‖x‖.
type l2NormOp struct {
	opBase
	scale    float64
	gradient bool
}

func (o l2NormOp) Arity() int {
	if o.gradient {
		return 2
	}
	return 1
}

func (o l2NormOp) Type() hm.Type {
	if o.gradient {
		return fnType(2, 2, 2)
	}
	return fnType(2, 2)
}

func (o l2NormOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o l2NormOp) Hashcode() uint32      { return hashCode(o) }
func (o l2NormOp) String() string {
	return fmt.Sprintf("l2norm{%g,grad:%t}", o.scale, o.gradient)
}

func (o l2NormOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	if err == nil && s.Dims() != 2 {
		err = fmt.Errorf("%v: input %v is not a matrix", o, s)
	}
	return s.Clone(), err
}

func (o l2NormOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return l2Norm[float32](o, in), nil
	case tensor.Float64:
		return l2Norm[float64](o, in), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func l2Norm[T elem](o l2NormOp, in []gorgonia.Value) *tensor.Dense {
	s := in[0].Shape()
	n, d := s[0], s[1]
	xs := values[T](in[0])
	out := newDense[T](n, d)
	os := values[T](out)
	for i := range n {
		row := xs[i*d : (i+1)*d]
		var sq float64
		for _, v := range row {
			sq += float64(v) * float64(v)
		}
		norm := math.Max(math.Sqrt(sq), snEps)
		if !o.gradient {
			for j, v := range row {
				os[i*d+j] = T(o.scale * float64(v) / norm)
			}
			continue
		}
		gs := values[T](in[1])[i*d : (i+1)*d]
		var dot float64 // x̂·dy with x̂ = x/‖x‖
		for j, v := range row {
			dot += float64(v) / norm * float64(gs[j])
		}
		for j, v := range row {
			os[i*d+j] = T(o.scale * (float64(gs[j]) - float64(v)/norm*dot) / norm)
		}
	}
	return out
}

func (o l2NormOp) DiffWRT(int) []bool { return []bool{!o.gradient} }

func (o l2NormOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(l2NormOp{scale: o.scale, gradient: true}, in[0], grad)
	return gorgonia.Nodes{d}, err
}

func (o l2NormOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := l2NormOp{scale: o.scale, gradient: true}.Do(in[0].Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// rowDotOp gives s[i,m] = a_i · b_{i·M+m} for a N×D and b (N·M)×D: each
// row of a against its own M rows of b. With gradient set the inputs are
// (other, ds) and the output is the gradient of a (wrt 0) or b (wrt 1).
type rowDotOp struct {
	opBase
	gradient bool
	wrt      int
	per      int // M, for the gradient of a
}

func (o rowDotOp) Arity() int {
	return 2
}

func (o rowDotOp) Type() hm.Type         { return fnType(2, 2, 2) }
func (o rowDotOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o rowDotOp) Hashcode() uint32      { return hashCode(o) }
func (o rowDotOp) String() string {
	return fmt.Sprintf("rowDot{grad:%t,wrt:%d,%d}", o.gradient, o.wrt, o.per)
}

func (o rowDotOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	a, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	b, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if o.gradient {
		// (b, ds) → a's shape N×D; (a, ds) → b's shape (N·M)×D.
		if o.wrt == 0 {
			return tensor.Shape{b[0], a[1]}, nil
		}
		return tensor.Shape{b[0] * b[1], a[1]}, nil
	}
	if a.Dims() != 2 || b.Dims() != 2 || a[1] != b[1] || b[0]%a[0] != 0 {
		return nil, fmt.Errorf("%v: %v and %v do not fit (want N×D and (N·M)×D)", o, a, b)
	}
	return tensor.Shape{a[0], b[0] / a[0]}, nil
}

func (o rowDotOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return rowDot[float32](o, in), nil
	case tensor.Float64:
		return rowDot[float64](o, in), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func rowDot[T elem](o rowDotOp, in []gorgonia.Value) *tensor.Dense {
	if !o.gradient {
		a, b := values[T](in[0]), values[T](in[1])
		n, d := in[0].Shape()[0], in[0].Shape()[1]
		m := in[1].Shape()[0] / n
		out := newDense[T](n, m)
		os := values[T](out)
		for i := range n {
			for k := range m {
				var s T
				brow := b[(i*m+k)*d : (i*m+k+1)*d]
				for j, v := range a[i*d : (i+1)*d] {
					s += v * brow[j]
				}
				os[i*m+k] = s
			}
		}
		return out
	}

	other, ds := values[T](in[0]), values[T](in[1])
	d := in[0].Shape()[1]
	n, m := in[1].Shape()[0], in[1].Shape()[1]
	if o.wrt == 0 {
		// other is b: da_i = Σ_m ds[i,m]·b_{i·M+m}.
		out := newDense[T](n, d)
		os := values[T](out)
		for i := range n {
			for k := range m {
				g := ds[i*m+k]
				for j, v := range other[(i*m+k)*d : (i*m+k+1)*d] {
					os[i*d+j] += g * v
				}
			}
		}
		return out
	}
	// other is a: db_{i·M+m} = ds[i,m]·a_i.
	out := newDense[T](n*m, d)
	os := values[T](out)
	for i := range n {
		for k := range m {
			g := ds[i*m+k]
			for j, v := range other[i*d : (i+1)*d] {
				os[(i*m+k)*d+j] = g * v
			}
		}
	}
	return out
}

func (o rowDotOp) DiffWRT(int) []bool { return []bool{!o.gradient, !o.gradient} }

func (o rowDotOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	da, err := gorgonia.ApplyOp(rowDotOp{gradient: true, wrt: 0}, in[1], grad)
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.ApplyOp(rowDotOp{gradient: true, wrt: 1}, in[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{da, db}, nil
}

func (o rowDotOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	for i, other := range []*gorgonia.Node{in[1], in[0]} {
		d, err := rowDotOp{gradient: true, wrt: i}.Do(other.Value(), g)
		if err != nil {
			return err
		}
		if err := accumulate(in[i], d); err != nil {
			return err
		}
	}
	return nil
}

// xentOp is the mean softmax cross-entropy of N×K logits against N class
// indices (held as floats): -mean_i log softmax(z_i)[t_i]. With gradient
// set, inputs are (logits, targets, dL) and the output is
// dz = dL·(softmax(z) - onehot(t))/N.
type xentOp struct {
	opBase
	gradient bool
}

func (o xentOp) Arity() int {
	if o.gradient {
		return 3
	}
	return 2
}

func (o xentOp) Type() hm.Type {
	if o.gradient {
		return fnType(2, 2, 1, 0)
	}
	return fnType(0, 2, 1)
}

func (o xentOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o xentOp) Hashcode() uint32      { return hashCode(o) }
func (o xentOp) String() string        { return fmt.Sprintf("xent{grad:%t}", o.gradient) }

func (o xentOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	z, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	t, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if z.Dims() != 2 || t.TotalSize() != z[0] {
		return nil, fmt.Errorf("%v: logits %v and targets %v do not fit (want N×K and N)", o, z, t)
	}
	if o.gradient {
		return z.Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

func (o xentOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return xent[float32](o, in)
	case tensor.Float64:
		return xent[float64](o, in)
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func xent[T elem](o xentOp, in []gorgonia.Value) (gorgonia.Value, error) {
	zs, ts := values[T](in[0]), values[T](in[1])
	n, k := in[0].Shape()[0], in[0].Shape()[1]
	var grad *tensor.Dense
	var gs []T
	var scale float64
	if o.gradient {
		grad = newDense[T](n, k)
		gs = values[T](grad)
		scale = float64(values[T](in[2])[0]) / float64(n)
	}
	var loss float64
	p := make([]float64, k)
	for i := range n {
		t := int(ts[i])
		if t < 0 || t >= k || T(t) != ts[i] {
			return nil, fmt.Errorf("cross entropy: target %v of row %d is not one of %d classes: %w",
				ts[i], i, k, core.ErrInvalidArgument)
		}
		row := zs[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		var sum float64
		for j, v := range row {
			p[j] = math.Exp(float64(v) - mx)
			sum += p[j]
		}
		loss += math.Log(sum) + mx - float64(row[t])
		if o.gradient {
			for j := range row {
				g := p[j] / sum
				if j == t {
					g--
				}
				gs[i*k+j] = T(scale * g)
			}
		}
	}
	if o.gradient {
		return grad, nil
	}
	return scalarValue(T(loss / float64(n))), nil
}

func (o xentOp) DiffWRT(int) []bool { return []bool{!o.gradient, false} }

func (o xentOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(xentOp{gradient: true}, in[0], in[1], grad)
	return gorgonia.Nodes{d, nil}, err
}

func (o xentOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := xentOp{gradient: true}.Do(in[0].Value(), in[1].Value(), g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}
