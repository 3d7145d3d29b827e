package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// EMA keeps an exponential moving average of every tensor of a Params
// (weights and state, as BigGAN's EMA of the generator's state dict):
// before step Start the average copies the live values, from then on
// shadow ← decay·shadow + (1-decay)·live.
type EMA struct {
	Decay  float64
	Start  int64
	set    string
	params []*Param
	shadow []*tensor.Dense
}

// NewEMA starts an average equal to the current values of ps.
func NewEMA(ps *Params, decay float64, start int64) (*EMA, error) {
	if decay < 0 || decay >= 1 {
		return nil, fmt.Errorf("ema: decay %g, want in [0, 1): %w", decay, core.ErrInvalidArgument)
	}
	if start < 0 {
		return nil, fmt.Errorf("ema: start step %d, want >= 0: %w", start, core.ErrInvalidArgument)
	}
	e := &EMA{Decay: decay, Start: start, set: ps.Name()}
	for _, p := range ps.All() {
		e.params = append(e.params, p)
		e.shadow = append(e.shadow, p.Value.Clone().(*tensor.Dense))
	}
	return e, nil
}

// Update folds the live values in after optimiser step step (1-based).
// It works in place in the tensors' own dtype: converting a float32 model
// to float64 and back on every step cost a GAN step 5 ms.
func (e *EMA) Update(step int64) {
	d := e.Decay
	if step < e.Start {
		d = 0
	}
	for i, p := range e.params {
		switch live := p.Value.Data().(type) {
		case []float32:
			fold(e.shadow[i].Float32s(), live, float32(d))
		case []float64:
			fold(e.shadow[i].Float64s(), live, d)
		}
	}
}

// fold sets shadow ← d·shadow + (1-d)·live.
func fold[T float32 | float64](shadow, live []T, d T) {
	for j, v := range live {
		shadow[j] = d*shadow[j] + (1-d)*v
	}
}

// Swap exchanges the live and the averaged values in place: call it, run
// the evaluation (which reads the live tensors), call it again.
func (e *EMA) Swap() {
	for i, p := range e.params {
		switch live := p.Value.Data().(type) {
		case []float32:
			swap(live, e.shadow[i].Float32s())
		case []float64:
			swap(live, e.shadow[i].Float64s())
		}
	}
}

func swap[T float32 | float64](a, b []T) {
	for j := range a {
		a[j], b[j] = b[j], a[j]
	}
}

// Tensors lists the averages for checkpoints as "<set>/ema/<param>".
func (e *EMA) Tensors() []Named {
	out := make([]Named, len(e.params))
	for i, p := range e.params {
		out[i] = Named{Name: e.set + "/ema/" + p.Name, T: e.shadow[i]}
	}
	return out
}
