package nn

import (
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// Data-parallel replicas. A replica of a layer shares the layer's weights
// but owns its buffers, kernel scratch and gradients, so that several
// goroutines can each run a whole network over their own slice of a batch
// with no synchronisation between layers; afterwards FoldGrads adds the
// replicas' gradients into the original's. On two loaded cores this beats
// splitting every layer call across goroutines, where each of a step's
// dozens of hand-offs can wait a scheduler slice.
//
// Replicas read the weights while they run, so nothing may update them
// meanwhile. Layers with spectral norm have shared normalisation state and
// cannot be replicated.

// replicaParam shares p's weights with a gradient buffer of its own.
func replicaParam(p *Param) *Param {
	if p == nil {
		return nil
	}
	return &Param{Param: p.Param, W: p.W, G: make([]float32, len(p.G))}
}

// Replica returns a copy of c for another goroutine, computing on one
// worker. It panics for a layer with spectral norm (a bug in the caller).
func (c *Conv) Replica() *Conv {
	if c.SN != nil {
		panic("nn: replica of a spectrally normalised conv")
	}
	k := kernels.NewConv(c.Shape, 1)
	k.Act, k.Slope, k.KeepCols = c.k.Act, c.k.Slope, c.k.KeepCols
	return &Conv{Shape: c.Shape, W: replicaParam(c.W), B: replicaParam(c.B),
		Act: c.Act, Slope: c.Slope, net: &Net{Workers: 1}, k: k}
}

// Replica returns a copy of l for another goroutine, computing on one
// worker. It panics for a layer with spectral norm.
func (l *Linear) Replica() *Linear {
	if l.SN != nil {
		panic("nn: replica of a spectrally normalised linear layer")
	}
	return &Linear{In: l.In, Out: l.Out, W: replicaParam(l.W), B: replicaParam(l.B),
		Act: l.Act, Slope: l.Slope, net: &Net{Workers: 1}}
}

// Params returns the layer's trainable tensors (weight, then bias if any).
func (c *Conv) Params() []*Param { return nonNil(c.W, c.B) }

// Params returns the layer's trainable tensors (weight, then bias if any).
func (l *Linear) Params() []*Param { return nonNil(l.W, l.B) }

func nonNil(ps ...*Param) []*Param {
	var out []*Param
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// ZeroGrads clears the gradients of ps.
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		clear(p.G)
	}
}

// FoldGrads adds each replica tensor's gradient into the original's; the
// two lists pair up by position.
func FoldGrads(orig, replica []*Param) {
	for i, p := range orig {
		g := replica[i].G
		for j, v := range g {
			p.G[j] += v
		}
	}
}
