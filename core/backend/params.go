package backend

import (
	"fmt"
	"slices"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// Param is one named tensor of a model: a trainable weight, or state that
// is not trained but must be checkpointed (batch-norm running statistics,
// spectral-norm vectors). Value is the live storage: every graph that uses
// the parameter binds this very tensor, so an optimiser step or a state
// update made in place is seen by all of them.
type Param struct {
	// Name is unique within its Params, e.g. "conv1.w".
	Name string
	// Value holds the data, in the Params' dtype.
	Value *tensor.Dense
	// Trainable marks weights the optimiser updates.
	Trainable bool
}

// Init fills a fresh parameter; rng is keyed by the parameter's name.
type Init func(data []float64, rng func() float64)

// Normal draws N(0, std²): DCGAN's and BigGAN's N(0, 0.02) initialisation
// is Normal(0.02).
func Normal(std float64) Init {
	return func(data []float64, rng func() float64) {
		for i := range data {
			data[i] = std * rng()
		}
	}
}

// Constant fills with c (Zeros is Constant(0)).
func Constant(c float64) Init {
	return func(data []float64, _ func() float64) {
		for i := range data {
			data[i] = c
		}
	}
}

// Params is the ordered set of a model's parameters, the unit that layers
// register into, optimisers update and checkpoints save. It is not safe for
// concurrent mutation.
type Params struct {
	name  string
	dtype tensor.Dtype
	seed  int64
	list  []*Param
	index map[string]*Param
}

// NewParams returns an empty set named name (e.g. "G", "D"; the prefix of
// its tensors in checkpoints) whose tensors have the given dtype
// (tensor.Float32 for models, tensor.Float64 for gradient checks) and whose
// initial values derive from seed and each parameter's name alone, so
// adding a layer does not change the others' draws.
func NewParams(name string, dtype tensor.Dtype, seed int64) *Params {
	return &Params{name: name, dtype: dtype, seed: seed, index: map[string]*Param{}}
}

// Name returns the set's name.
func (ps *Params) Name() string { return ps.name }

// Dtype returns the dtype of every tensor in the set.
func (ps *Params) Dtype() tensor.Dtype { return ps.dtype }

// Weight registers a trainable tensor of the given shape. It panics if name
// is taken: layer names are fixed by code, so a clash is a bug.
func (ps *Params) Weight(name string, init Init, shape ...int) *Param {
	return ps.add(name, true, init, shape)
}

// State registers a non-trainable tensor that checkpoints still carry.
func (ps *Params) State(name string, init Init, shape ...int) *Param {
	return ps.add(name, false, init, shape)
}

func (ps *Params) add(name string, trainable bool, init Init, shape []int) *Param {
	if _, ok := ps.index[name]; ok {
		panic(fmt.Sprintf("backend: parameter %q registered twice in %q", name, ps.name))
	}
	data := make([]float64, tensor.Shape(shape).TotalSize())
	rng := core.NewRand(ps.seed, "backend/params/"+ps.name, 0, name)
	init(data, rng.NormFloat64)

	t := tensor.New(tensor.Of(ps.dtype), tensor.WithShape(shape...))
	SetFloat64s(t, data)
	p := &Param{Name: name, Value: t, Trainable: trainable}
	ps.list = append(ps.list, p)
	ps.index[name] = p
	return p
}

// Get returns the named parameter, or nil.
func (ps *Params) Get(name string) *Param { return ps.index[name] }

// All returns every parameter in registration order.
func (ps *Params) All() []*Param { return slices.Clone(ps.list) }

// Trainable returns the trainable parameters in registration order.
func (ps *Params) Trainable() []*Param {
	var out []*Param
	for _, p := range ps.list {
		if p.Trainable {
			out = append(out, p)
		}
	}
	return out
}

// Tensors lists every parameter as a checkpoint entry named
// "<set>/<param>".
func (ps *Params) Tensors() []Named {
	out := make([]Named, len(ps.list))
	for i, p := range ps.list {
		out[i] = Named{Name: ps.name + "/" + p.Name, T: p.Value}
	}
	return out
}

// Float64s copies a float tensor's values out as float64.
func Float64s(t *tensor.Dense) []float64 {
	switch t.Dtype() {
	case tensor.Float32:
		out := make([]float64, t.Size())
		for i, v := range t.Float32s() {
			out[i] = float64(v)
		}
		return out
	case tensor.Float64:
		return slices.Clone(t.Float64s())
	}
	panic(fmt.Sprintf("backend: Float64s of a %v tensor", t.Dtype()))
}

// SetFloat64s writes data into a float tensor of equal size (float32 or
// float64), e.g. to load weights; it panics on another dtype.
func SetFloat64s(t *tensor.Dense, data []float64) {
	switch t.Dtype() {
	case tensor.Float32:
		dst := t.Float32s()
		for i, v := range data {
			dst[i] = float32(v)
		}
	case tensor.Float64:
		copy(t.Float64s(), data)
	default:
		panic(fmt.Sprintf("backend: setFloat64s on a %v tensor", t.Dtype()))
	}
}
