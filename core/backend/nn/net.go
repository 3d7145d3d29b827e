package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/tensor"
)

// Param is one trainable tensor as the layers see it: W aliases the storage
// of the backend parameter, G is its gradient, same length.
type Param struct {
	*backend.Param
	W, G []float32
}

// Net is the set of tensors of one network (e.g. "G" or "D") with their
// gradients, and the worker count its layers compute with. The backend's
// Adam and EMA work on Params and Grads unchanged.
type Net struct {
	Params  *backend.Params
	Workers int

	trainable []*Param
	grads     []backend.Grad
}

// NewNet returns an empty network whose tensors are initialised from seed
// and their names; workers (≥ 1) bounds the goroutines of one layer call.
func NewNet(name string, seed int64, workers int) *Net {
	return &Net{
		Params:  backend.NewParams(name, tensor.Float32, seed),
		Workers: max(1, workers),
	}
}

// Weight registers a trainable tensor and its gradient buffer.
func (n *Net) Weight(name string, init backend.Init, shape ...int) *Param {
	bp := n.Params.Weight(name, init, shape...)
	w := bp.Value.Float32s()
	p := &Param{Param: bp, W: w, G: make([]float32, len(w))}
	n.trainable = append(n.trainable, p)
	n.grads = append(n.grads, backend.Grad{P: bp,
		G: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(p.G))})
	return p
}

// State registers a non-trainable tensor (running statistics, spectral-norm
// vectors) and returns its storage.
func (n *Net) State(name string, init backend.Init, shape ...int) []float32 {
	return n.Params.State(name, init, shape...).Value.Float32s()
}

// Trainable returns the trainable tensors in registration order.
func (n *Net) Trainable() []*Param { return n.trainable }

// Grads returns the gradients as the backend's optimisers take them; the
// tensors alias each Param.G.
func (n *Net) Grads() []backend.Grad { return n.grads }

// ZeroGrad clears every gradient; call it before each step's backward.
func (n *Net) ZeroGrad() {
	for _, p := range n.trainable {
		clear(p.G)
	}
}

// grow returns (*buf)[:size], reallocating only when capacity is short.
func grow(buf *[]float32, size int) []float32 {
	if cap(*buf) < size {
		*buf = make([]float32, size)
	}
	return (*buf)[:size]
}

// Resize returns buf with length n, reusing its memory when it is large
// enough; the contents are not kept.
func Resize(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
