package objective

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// NCE computes InfoNCE eagerly, on float32 rows, with its gradient: the
// loss of InfoNCE for models that run core/backend/nn rather than a graph.
// It keeps its buffers between calls, so a training loop allocates
// nothing per step once shapes settle. The zero value is not usable: set
// Tau. Not safe for concurrent use.
type NCE struct {
	Tau     float64 // temperature τ, > 0
	Workers int     // GEMM goroutines; 0 or 1 for one

	zq, zk, zneg          []float32 // unit rows
	normQ, normK, normNeg []float64
	logits                []float32 // n × (n + m + K), row-major
}

// LossGrad returns, for n anchors q and their positives k (n rows of d
// each, not necessarily unit length), anchor i's m NDA negatives at rows
// i·m … i·m+m-1 of neg (n·m rows, or nil) and a MoCo queue of unit rows
// (or nil), the loss
//
//	L = -mean_i log( exp(ẑq_i·ẑk_i/τ) / Σ_{c ∈ C_i} exp(ẑq_i·c/τ) )
//
// over candidates C_i = every ẑk_j, anchor i's own ẑneg and every queue
// row (ẑ: the row divided by its norm), and the fraction of anchors whose
// positive scored highest. dq, dk and dneg, each nil or as long as its
// input, are overwritten with dL/dq, dL/dk and dL/dneg; the queue is a
// constant. A nil dk (or dneg) is how a momentum encoder's keys are left
// without gradient.
func (c *NCE) LossGrad(q, k, neg, queue []float32, d int, dq, dk, dneg []float32) (
	loss, accuracy float64, err error) {
	if !(c.Tau > 0) {
		return 0, 0, fmt.Errorf("infonce: temperature %g, want > 0: %w", c.Tau,
			core.ErrInvalidArgument)
	}
	if d < 1 || len(q) == 0 || len(q)%d != 0 || len(k) != len(q) ||
		len(neg)%len(q) != 0 || len(queue)%d != 0 {
		return 0, 0, fmt.Errorf("infonce: %d anchor, %d key, %d negative and %d queue "+
			"values of dimension %d, want n·d, n·d, n·m·d and K·d: %w",
			len(q), len(k), len(neg), len(queue), d, core.ErrInvalidArgument)
	}
	for _, g := range []struct {
		name     string
		grad, in []float32
	}{{"anchor", dq, q}, {"key", dk, k}, {"negative", dneg, neg}} {
		if g.grad != nil && len(g.grad) != len(g.in) {
			return 0, 0, fmt.Errorf("infonce: %d %s gradient values for %d inputs: %w",
				len(g.grad), g.name, len(g.in), core.ErrInvalidArgument)
		}
	}
	n, m, kq := len(q)/d, len(neg)/len(q), len(queue)/d
	cols := n + m + kq

	c.zq, c.normQ = unitRows(q, d, c.zq, c.normQ)
	c.zk, c.normK = unitRows(k, d, c.zk, c.normK)
	c.zneg, c.normNeg = unitRows(neg, d, c.zneg, c.normNeg)

	// Logits: [ẑq·ẑkᵀ | own negatives | ẑq·queueᵀ] / τ, one row per anchor.
	c.logits = resize(c.logits, n*cols)
	invTau := float32(1 / c.Tau)
	kernels.ParallelSgemm(c.Workers, false, true, n, n, d, invTau, c.zq, d, c.zk, d,
		0, c.logits, cols)
	if kq > 0 {
		kernels.ParallelSgemm(c.Workers, false, true, n, kq, d, invTau, c.zq, d, queue, d,
			0, c.logits[n+m:], cols)
	}
	for i := range n {
		for j := range m {
			r := i*m + j
			c.logits[i*cols+n+j] = invTau * dot32(c.zq[i*d:(i+1)*d], c.zneg[r*d:(r+1)*d])
		}
	}

	// Softmax in float64, shifted by the row's maximum; the row becomes
	// dL/dlogit = (p - [positive]) / n.
	correct := 0
	for i := range n {
		row := c.logits[i*cols : (i+1)*cols]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == i {
			correct++
		}
		top := float64(row[best])
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - top)
		}
		loss += (top + math.Log(sum) - float64(row[i])) / float64(n)
		for j, v := range row {
			g := math.Exp(float64(v)-top) / sum
			if j == i {
				g--
			}
			row[j] = float32(g / float64(n))
		}
	}
	if dq == nil && dk == nil && dneg == nil {
		return loss, float64(correct) / float64(n), nil
	}

	// Back through the logits (each carries 1/τ) to the unit rows.
	if dq != nil {
		kernels.ParallelSgemm(c.Workers, false, false, n, d, n, invTau, c.logits, cols,
			c.zk, d, 0, dq, d)
		if kq > 0 {
			kernels.ParallelSgemm(c.Workers, false, false, n, d, kq, invTau, c.logits[n+m:], cols,
				queue, d, 1, dq, d)
		}
		for i := range n {
			dqi := dq[i*d : (i+1)*d]
			for j := range m {
				g := invTau * c.logits[i*cols+n+j]
				r := i*m + j
				for t, v := range c.zneg[r*d : (r+1)*d] {
					dqi[t] += g * v
				}
			}
		}
		unitRowsBackward(c.zq, dq, c.normQ, d)
	}
	if dk != nil {
		kernels.ParallelSgemm(c.Workers, true, false, n, d, n, invTau, c.logits, cols,
			c.zq, d, 0, dk, d)
		unitRowsBackward(c.zk, dk, c.normK, d)
	}
	if dneg != nil {
		for i := range n {
			for j := range m {
				g := invTau * c.logits[i*cols+n+j]
				r := i*m + j
				for t, v := range c.zq[i*d : (i+1)*d] {
					dneg[r*d+t] = g * v
				}
			}
		}
		unitRowsBackward(c.zneg, dneg, c.normNeg, d)
	}
	return loss, float64(correct) / float64(n), nil
}

// unitRows writes x's rows of d divided by their norms into z and keeps
// the norms for the backward pass, reusing z and norms where they fit.
func unitRows(x []float32, d int, z []float32, norms []float64) ([]float32, []float64) {
	z = resize(z, len(x))
	rows := len(x) / d
	if cap(norms) < rows {
		norms = make([]float64, rows)
	}
	norms = norms[:rows]
	for i := range rows {
		row := x[i*d : (i+1)*d]
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		norms[i] = math.Max(math.Sqrt(s), 1e-12)
		for t, v := range row {
			z[i*d+t] = float32(float64(v) / norms[i])
		}
	}
	return z, norms
}

// unitRowsBackward turns dz, the gradient at the unit rows z, into the
// gradient at the rows before normalising, (dz - z·(z·dz)) / ‖x‖, in place.
func unitRowsBackward(z, dz []float32, norms []float64, d int) {
	for i, norm := range norms {
		zr, g := z[i*d:(i+1)*d], dz[i*d:(i+1)*d]
		var zg float64
		for t, v := range zr {
			zg += float64(v) * float64(g[t])
		}
		for t := range g {
			g[t] = float32((float64(g[t]) - float64(zr[t])*zg) / norm)
		}
	}
}

func dot32(a, b []float32) float32 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func resize(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
