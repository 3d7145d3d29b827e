package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/tensor"
)

// EMA keeps an exponential moving average of every tensor of a network in a
// backend.Params named "<net>.ema": trainable tensors are averaged with
// Decay, state tensors (running statistics) are copied. Use swaps the
// averages in for the duration of a call.
type EMA struct {
	Decay  float64
	Shadow *backend.Params

	live, avg [][]float32
	trainable []bool
}

// NewEMA starts the averages at net's current values.
func NewEMA(net *Net, decay float64) *EMA {
	e := &EMA{Decay: decay, Shadow: backend.NewParams(net.Params.Name()+".ema", tensor.Float32, 0)}
	for _, p := range net.Params.All() {
		w := p.Value.Float32s()
		s := e.Shadow.State(p.Name, backend.Constant(0), len(w)).Value.Float32s()
		copy(s, w)
		e.live = append(e.live, w)
		e.avg = append(e.avg, s)
		e.trainable = append(e.trainable, p.Trainable)
	}
	return e
}

// Update moves the averages toward the live values; call it after each
// optimiser step of the network.
func (e *EMA) Update() {
	d := float32(e.Decay)
	for i, w := range e.live {
		s := e.avg[i]
		if !e.trainable[i] {
			copy(s, w)
			continue
		}
		for j, v := range w {
			s[j] = d*s[j] + (1-d)*v
		}
	}
}

// Use runs fn with the averaged values in the network's tensors and puts
// the live values back afterwards.
func (e *EMA) Use(fn func()) {
	e.swap()
	defer e.swap()
	fn()
}

func (e *EMA) swap() {
	for i, w := range e.live {
		s := e.avg[i]
		for j := range w {
			w[j], s[j] = s[j], w[j]
		}
	}
}
