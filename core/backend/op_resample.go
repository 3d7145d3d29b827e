package backend

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// resampleOp maps N×C×H×W to N×C×2H×2W by nearest-neighbour copying (up)
// or to N×C×H/2×W/2 by summing each 2×2 block (down), then multiplies by
// scale. Each is the other's gradient: up(s)ᵀ = down(s). Average pooling is
// down with scale 1/4.
type resampleOp struct {
	opBase
	up    bool
	scale float64
}

func (resampleOp) Arity() int              { return 1 }
func (resampleOp) Type() hm.Type           { return fnType(4, 4) }
func (o resampleOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o resampleOp) Hashcode() uint32      { return hashCode(o) }
func (o resampleOp) String() string {
	return fmt.Sprintf("resample{up:%t,%g}", o.up, o.scale)
}

func (o resampleOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	if s.Dims() != 4 {
		return nil, fmt.Errorf("%v: input %v is not N×C×H×W", o, s)
	}
	if o.up {
		return tensor.Shape{s[0], s[1], 2 * s[2], 2 * s[3]}, nil
	}
	if s[2]%2 != 0 || s[3]%2 != 0 {
		return nil, fmt.Errorf("%v: input %v has an odd height or width", o, s)
	}
	return tensor.Shape{s[0], s[1], s[2] / 2, s[3] / 2}, nil
}

func (o resampleOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		if o.scale == 1 {
			return resample32(o.up, in[0]), nil
		}
		return resample[float32](o, in[0]), nil
	case tensor.Float64:
		return resample[float64](o, in[0]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func resample[T elem](o resampleOp, x gorgonia.Value) *tensor.Dense {
	s := x.Shape()
	planes, h, w := s[0]*s[1], s[2], s[3]
	xs, k := values[T](x), T(o.scale)
	if o.up {
		y := newDense[T](s[0], s[1], 2*h, 2*w)
		ys := values[T](y)
		for p := range planes {
			src, dst := xs[p*h*w:], ys[p*4*h*w:]
			for i := range 2 * h {
				for j := range 2 * w {
					dst[i*2*w+j] = k * src[(i/2)*w+j/2]
				}
			}
		}
		return y
	}
	y := newDense[T](s[0], s[1], h/2, w/2)
	ys := values[T](y)
	for p := range planes {
		src, dst := xs[p*h*w:], ys[p*h*w/4:]
		for i := range h {
			for j := range w {
				dst[(i/2)*(w/2)+j/2] += src[i*w+j]
			}
		}
		for i := range h * w / 4 {
			dst[i] *= k
		}
	}
	return y
}

func (resampleOp) DiffWRT(int) []bool { return []bool{true} }

func (o resampleOp) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(resampleOp{up: !o.up, scale: o.scale}, grad)
	return gorgonia.Nodes{d}, err
}

func (o resampleOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	d, err := resampleOp{up: !o.up, scale: o.scale}.Do(g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// spatialOp sums N×C×H×W over H and W to N×C (sum false: broadcasts N×C
// back over an H×W plane, its gradient).
type spatialOp struct {
	opBase
	sum  bool
	h, w int
}

func (spatialOp) Arity() int              { return 1 }
func (o spatialOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o spatialOp) Hashcode() uint32      { return hashCode(o) }
func (o spatialOp) String() string {
	return fmt.Sprintf("spatial{sum:%t,%d,%d}", o.sum, o.h, o.w)
}

func (o spatialOp) Type() hm.Type {
	if o.sum {
		return fnType(2, 4)
	}
	return fnType(4, 2)
}

func (o spatialOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	if o.sum {
		if s.Dims() != 4 {
			return nil, fmt.Errorf("%v: input %v is not N×C×H×W", o, s)
		}
		return tensor.Shape{s[0], s[1]}, nil
	}
	return tensor.Shape{s[0], s[1], o.h, o.w}, nil
}

func (o spatialOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return spatial[float32](o, in[0]), nil
	case tensor.Float64:
		return spatial[float64](o, in[0]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func spatial[T elem](o spatialOp, x gorgonia.Value) *tensor.Dense {
	s, xs := x.Shape(), values[T](x)
	if o.sum {
		hw := s[2] * s[3]
		y := newDense[T](s[0], s[1])
		ys := values[T](y)
		for p := range ys {
			for _, v := range xs[p*hw : (p+1)*hw] {
				ys[p] += v
			}
		}
		return y
	}
	hw := o.h * o.w
	y := newDense[T](s[0], s[1], o.h, o.w)
	ys := values[T](y)
	for p, v := range xs {
		for i := range hw {
			ys[p*hw+i] = v
		}
	}
	return y
}

func (spatialOp) DiffWRT(int) []bool { return []bool{true} }

func (o spatialOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	s := in[0].Shape()
	back := spatialOp{sum: !o.sum}
	if o.sum {
		back.h, back.w = s[2], s[3]
	}
	d, err := gorgonia.ApplyOp(back, grad)
	return gorgonia.Nodes{d}, err
}

func (o spatialOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	s := in[0].Shape()
	back := spatialOp{sum: !o.sum}
	if o.sum {
		back.h, back.w = s[2], s[3]
	}
	d, err := back.Do(g)
	if err != nil {
		return err
	}
	return accumulate(in[0], d)
}

// resample32 runs the unscaled cases on the kernels.
func resample32(up bool, x gorgonia.Value) *tensor.Dense {
	s := x.Shape()
	planes := s[0] * s[1]
	if up {
		y := newDense[float32](s[0], s[1], 2*s[2], 2*s[3])
		kernels.Upsample2Forward(planes, s[2], s[3], values[float32](x), values[float32](y))
		return y
	}
	y := newDense[float32](s[0], s[1], s[2]/2, s[3]/2)
	kernels.Upsample2Backward(planes, s[2]/2, s[3]/2, values[float32](x), values[float32](y))
	return y
}
