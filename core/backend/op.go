package backend

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// elem is the element type of every tensor the custom ops handle: float32
// for models, float64 for gradient checks.
type elem interface{ float32 | float64 }

// opBase holds the gorgonia.Op boilerplate shared by the custom ops. Every
// op embedding it must have a String that names all its parameters: gorgonia
// merges nodes whose op hashes and children agree.
type opBase struct{}

func (opBase) ReturnsPtr() bool     { return false }
func (opBase) CallsExtern() bool    { return false }
func (opBase) OverwritesInput() int { return -1 }

// writeHash and hashCode implement an op's WriteHash and Hashcode from its
// String.
func writeHash(h hash.Hash, op fmt.Stringer) { fmt.Fprint(h, op.String()) }

func hashCode(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, op.String())
	return h.Sum32()
}

// fnType is the type of an op taking tensors of the given ranks (0 is a
// scalar) and returning one of rank out, all of one dtype.
func fnType(out int, in ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(in)+1)
	for _, d := range append(in, out) {
		if d == 0 {
			ts = append(ts, a)
			continue
		}
		ts = append(ts, gorgonia.TensorType{Dims: d, Of: a})
	}
	return hm.NewFnType(ts...)
}

// shapeOf returns the i-th input shape handed to InferShape.
func shapeOf(inputs []gorgonia.DimSizer, i int) (tensor.Shape, error) {
	if i >= len(inputs) {
		return nil, fmt.Errorf("infer shape: want input %d, have %d inputs", i, len(inputs))
	}
	s, ok := inputs[i].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("infer shape: input %d is %T, not a shape", i, inputs[i])
	}
	return s, nil
}

// values returns the elements of a gorgonia value as a slice, aliasing a
// dense tensor's storage; a scalar comes back as a fresh one-element slice.
func values[T elem](v gorgonia.Value) []T {
	var z T
	switch t := v.(type) {
	case *tensor.Dense:
		if _, ok := any(z).(float32); ok {
			return any(t.Float32s()).([]T)
		}
		return any(t.Float64s()).([]T)
	case *gorgonia.F32:
		return []T{T(*t)}
	case *gorgonia.F64:
		return []T{T(*t)}
	}
	panic(fmt.Sprintf("backend: value of type %T is not a float tensor", v))
}

// newDense allocates a zeroed tensor of the dtype of T.
func newDense[T elem](shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(dtypeOf[T]()), tensor.WithShape(shape...))
}

func dtypeOf[T elem]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// scalarValue wraps x as a gorgonia scalar of the dtype of T.
func scalarValue[T elem](x T) gorgonia.Value {
	var z T
	if _, ok := any(z).(float32); ok {
		return gorgonia.NewF32(float32(x))
	}
	return gorgonia.NewF64(float64(x))
}

// dtypeErr reports an input of a dtype the custom ops do not handle.
func dtypeErr(op fmt.Stringer, dt tensor.Dtype) error {
	return fmt.Errorf("%v: dtype %v: want float32 or float64", op, dt)
}

// valueDtype returns the dtype of a gorgonia value.
func valueDtype(v gorgonia.Value) tensor.Dtype {
	switch t := v.(type) {
	case tensor.Tensor:
		return t.Dtype()
	case *gorgonia.F32:
		return tensor.Float32
	case *gorgonia.F64:
		return tensor.Float64
	}
	return tensor.Dtype{}
}

// accumulate adds src into the gradient already held by n (for DoDiff,
// gorgonia's autodiff machine), allocating nothing.
func accumulate(n *gorgonia.Node, src gorgonia.Value) error {
	d, err := n.Grad()
	if err != nil {
		return err
	}
	switch valueDtype(src) {
	case tensor.Float32:
		addInto(values[float32](d), values[float32](src))
	case tensor.Float64:
		addInto(values[float64](d), values[float64](src))
	default:
		return fmt.Errorf("accumulate gradient of %v: unsupported dtype", n)
	}
	return nil
}

func addInto[T elem](dst, src []T) {
	for i := range dst {
		dst[i] += src[i]
	}
}
