package objective

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
)

// DefaultTemperature is MoCo's τ.
const DefaultTemperature = 0.07

// InfoNCE builds the contrastive loss for N anchors q (N×D) and their
// positives k (N×D), both encoded, every row L2-normalised here:
//
//	L = -mean_i log( exp(q_i·k_i/τ) / Σ_{c ∈ C_i} exp(q_i·c/τ) )
//
// where the candidates C_i are all keys k_j (k_i the positive, the others
// in-batch negatives), anchor i's own NDA negatives (rows i·M … i·M+M-1 of
// neg, (N·M)×D; the default is one jigsaw copy per anchor, encoded like
// the keys and never enqueued) and every row of queue (K×D, MoCo). neg and
// queue may be nil. The keys, negatives and queue carry gradients only if
// the caller built them in the same graph with trainable weights (no
// momentum encoder); with one, bind its outputs as inputs.
func InfoNCE(g *backend.Graph, q, k, neg, queue *gorgonia.Node, tau float64) (
	*gorgonia.Node, error) {
	if !(tau > 0) {
		return nil, fmt.Errorf("infonce: temperature %g, want > 0: %w", tau, core.ErrInvalidArgument)
	}
	qs, ks := q.Shape(), k.Shape()
	if qs.Dims() != 2 || !qs.Eq(ks) {
		return nil, fmt.Errorf("infonce: anchors %v and keys %v, want two N×D: %w",
			qs, ks, core.ErrInvalidArgument)
	}
	n, d := qs[0], qs[1]
	for _, x := range []struct {
		what string
		node *gorgonia.Node
	}{{"negatives", neg}, {"queue", queue}} {
		if x.node == nil {
			continue
		}
		if s := x.node.Shape(); s.Dims() != 2 || s[1] != d {
			return nil, fmt.Errorf("infonce: %s %v, want rows of %d: %w",
				x.what, s, d, core.ErrInvalidArgument)
		}
	}
	if neg != nil && neg.Shape()[0]%n != 0 {
		return nil, fmt.Errorf("infonce: %d negatives for %d anchors, want a multiple: %w",
			neg.Shape()[0], n, core.ErrInvalidArgument)
	}

	// 1/τ rides on the anchors, so every logit below is a cosine over τ.
	qn, err := backend.L2Normalize(q, 1/tau)
	if err != nil {
		return nil, err
	}
	kn, err := backend.L2Normalize(k, 1)
	if err != nil {
		return nil, err
	}
	logits, err := backend.MatMulT(qn, kn)
	if err != nil {
		return nil, err
	}
	blocks := gorgonia.Nodes{logits}
	if neg != nil {
		nn, err := backend.L2Normalize(neg, 1)
		if err != nil {
			return nil, err
		}
		own, err := backend.RowDot(qn, nn)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, own)
	}
	if queue != nil {
		// The queue is stored normalised (Queue.Enqueue).
		fromQueue, err := backend.MatMulT(qn, queue)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, fromQueue)
	}
	if len(blocks) > 1 {
		if logits, err = gorgonia.Concat(1, blocks...); err != nil {
			return nil, err
		}
	}

	// Anchor i's positive is key i: column i.
	targets := g.Input(fmt.Sprintf("infonce_targets_%p", q), n)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if err := targets.SetLabels(idx); err != nil {
		return nil, err
	}
	return backend.CrossEntropy(logits, targets.Node)
}

// InfoNCEPlain is InfoNCE on plain rows, for tests and reference values:
// q and k N rows, neg N·M rows (or none), queue rows (or none).
func InfoNCEPlain(q, k, neg, queue [][]float64, tau float64) float64 {
	unit := func(x []float64) []float64 {
		var s float64
		for _, v := range x {
			s += v * v
		}
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v / math.Sqrt(s)
		}
		return out
	}
	dot := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	n := len(q)
	per := len(neg) / n
	var loss float64
	for i := range n {
		qi := unit(q[i])
		var logits []float64
		for j := range n {
			logits = append(logits, dot(qi, unit(k[j]))/tau)
		}
		for m := range per {
			logits = append(logits, dot(qi, unit(neg[i*per+m]))/tau)
		}
		for _, r := range queue {
			logits = append(logits, dot(qi, r)/tau)
		}
		var sum float64
		for _, z := range logits {
			sum += math.Exp(z)
		}
		loss += math.Log(sum) - logits[i]
	}
	return loss / float64(n)
}
