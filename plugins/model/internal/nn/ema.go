package nn

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/tensor"
)

// EMA is backend.EMA's exponential moving average over every tensor of a
// float32 Params (weights and state), with the same semantics (before step
// Start the average copies the live values, from then on
// shadow ← decay·shadow + (1-decay)·live) and the same checkpoint tensors
// ("<set>/ema/<param>"), updated in place in float32. The backend's
// converts every tensor to float64 and back on each update, which cost a
// GAN step 5 ms in the benchmark.
//
// TODO(ndalab): drop this for backend.EMA once it updates float32 tensors
// in place.
type EMA struct {
	Decay float64
	Start int64

	set    string
	names  []string
	live   [][]float32
	shadow []*tensor.Dense
}

// NewEMA starts an average equal to the current values of ps (float32).
func NewEMA(ps *backend.Params, decay float64, start int64) (*EMA, error) {
	if decay < 0 || decay >= 1 {
		return nil, fmt.Errorf("ema: decay %g, want in [0, 1): %w", decay, core.ErrInvalidArgument)
	}
	if start < 0 {
		return nil, fmt.Errorf("ema: start step %d, want >= 0: %w", start, core.ErrInvalidArgument)
	}
	if ps.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("ema: params %q are %v, want float32: %w",
			ps.Name(), ps.Dtype(), core.ErrInvalidArgument)
	}
	e := &EMA{Decay: decay, Start: start, set: ps.Name()}
	for _, p := range ps.All() {
		e.names = append(e.names, p.Name)
		e.live = append(e.live, p.Value.Float32s())
		e.shadow = append(e.shadow, p.Value.Clone().(*tensor.Dense))
	}
	return e, nil
}

// Update folds the live values in after optimiser step step (1-based).
func (e *EMA) Update(step int64) {
	d := float32(e.Decay)
	if step < e.Start {
		d = 0
	}
	for i, live := range e.live {
		s := e.shadow[i].Float32s()
		for j, v := range live {
			s[j] = d*s[j] + (1-d)*v
		}
	}
}

// Swap exchanges the live and the averaged values in place; call it again
// to swap back.
func (e *EMA) Swap() {
	for i, live := range e.live {
		s := e.shadow[i].Float32s()
		for j, v := range live {
			live[j], s[j] = s[j], v
		}
	}
}

// Tensors lists the averages for checkpoints as "<set>/ema/<param>".
func (e *EMA) Tensors() []backend.Named {
	out := make([]backend.Named, len(e.names))
	for i, name := range e.names {
		out[i] = backend.Named{Name: e.set + "/ema/" + name, T: e.shadow[i]}
	}
	return out
}
