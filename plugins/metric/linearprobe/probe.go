package linearprobe

import (
	"context"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

// Options fix the probe's training schedule: minibatch SGD with momentum,
// the learning rate decayed from LR to 0 along a half cosine over all steps,
// and an L2 penalty (WeightDecay/2)·|W|² on the weights, not the biases.
type Options struct {
	Epochs      int
	BatchSize   int // ≥ N means full-batch gradient descent
	LR          float64
	Momentum    float64
	WeightDecay float64
	Seed        int64 // keys the per-epoch shuffles
}

// Probe is a trained multinomial logistic regression on standardised
// features: logits = ((x - Mean)/Scale)·Wᵀ + B.
type Probe struct {
	Mean, Scale []float64  // D values each, from the training features
	W           *mat.Dense // C×D: class rows, so logits are long dot products
	B           []float64  // C
}

// Train fits a probe to the rows of x (N×D) with labels y in [0, classes).
// x is not modified. Training is deterministic for fixed inputs and seed.
func Train(ctx context.Context, x *mat.Dense, y []int, classes int, o Options) (*Probe, error) {
	n, d := x.Dims()
	if n == 0 || len(y) != n || classes < 1 || o.Epochs < 1 || o.BatchSize < 1 {
		return nil, fmt.Errorf("%w: linear probe: %d samples, %d labels, %d classes, "+
			"%d epochs, batch %d",
			core.ErrInvalidArgument, n, len(y), classes, o.Epochs, o.BatchSize)
	}

	// Standardise with the training set's moments; a constant feature keeps
	// scale 1 instead of dividing by zero.
	p := &Probe{Mean: make([]float64, d), Scale: make([]float64, d),
		W: mat.NewDense(classes, d, nil), B: make([]float64, classes)}
	for i := range n {
		for j, v := range x.RawRowView(i) {
			p.Mean[j] += v
		}
	}
	for j := range p.Mean {
		p.Mean[j] /= float64(n)
	}
	for i := range n {
		for j, v := range x.RawRowView(i) {
			p.Scale[j] += (v - p.Mean[j]) * (v - p.Mean[j])
		}
	}
	for j, s := range p.Scale {
		p.Scale[j] = math.Sqrt(s / float64(n))
		if p.Scale[j] < 1e-12 {
			p.Scale[j] = 1
		}
	}
	xs := p.standardise(x)

	// Minibatch SGD with momentum from zero weights (the loss is convex, so
	// the start only matters for speed).
	bs := min(o.BatchSize, n)
	stepsPerEpoch := (n + bs - 1) / bs
	total := float64(o.Epochs * stepsPerEpoch)
	vw, vb := mat.NewDense(classes, d, nil), make([]float64, classes)
	batch := mat.NewDense(bs, d, nil)
	labels := make([]int, bs)
	step := 0
	for epoch := range o.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("linear probe: %w: %v", core.ErrCanceled, err)
		}
		perm := core.NewRand(o.Seed, "metric/linear-probe", int64(epoch), "shuffle").Perm(n)
		for s0 := 0; s0 < n; s0 += bs {
			m := min(bs, n-s0)
			xb := batch.Slice(0, m, 0, d).(*mat.Dense)
			for i := range m {
				copy(xb.RawRowView(i), xs.RawRowView(perm[s0+i]))
				labels[i] = y[perm[s0+i]]
			}
			_, gw, gb := lossGrad(p.W, p.B, xb, labels[:m], o.WeightDecay)

			lr := o.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step)/total))
			vw.Scale(o.Momentum, vw)
			vw.Add(vw, gw)
			p.W.Add(p.W, scaled(-lr, vw))
			for c := range vb {
				vb[c] = o.Momentum*vb[c] + gb[c]
				p.B[c] -= lr * vb[c]
			}
			step++
		}
	}
	return p, nil
}

func scaled(a float64, m *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Scale(a, m)
	return &out
}

// standardise returns (x - Mean)/Scale row by row, as a new matrix.
func (p *Probe) standardise(x *mat.Dense) *mat.Dense {
	out := mat.DenseCopyOf(x)
	n, _ := out.Dims()
	for i := range n {
		row := out.RawRowView(i)
		for j := range row {
			row[j] = (row[j] - p.Mean[j]) / p.Scale[j]
		}
	}
	return out
}

// Predict returns the arg-max class of every row of x (N×D); ties go to the
// lower class.
func (p *Probe) Predict(x *mat.Dense) []int {
	logits := p.logits(p.standardise(x))
	n, _ := logits.Dims()
	out := make([]int, n)
	for i := range n {
		row := logits.RawRowView(i)
		for c, v := range row {
			if v > row[out[i]] {
				out[i] = c
			}
		}
	}
	return out
}

func (p *Probe) logits(xs *mat.Dense) *mat.Dense {
	var z mat.Dense
	z.Mul(xs, p.W.T())
	n, _ := z.Dims()
	for i := range n {
		row := z.RawRowView(i)
		for c := range row {
			row[c] += p.B[c]
		}
	}
	return &z
}

// lossGrad returns the mean softmax cross-entropy of logits x·wᵀ + b (w is
// C×D) against labels y plus (wd/2)·|w|², and its gradients with respect to
// w and b: (P - Y)ᵀx/m + wd·w and the column means of P - Y, P the softmax
// and Y the one-hot labels.
func lossGrad(w *mat.Dense, b []float64, x *mat.Dense, y []int,
	wd float64) (float64, *mat.Dense, []float64) {
	m, _ := x.Dims()
	p := (&Probe{W: w, B: b}).logits(x)
	gb := make([]float64, len(b))
	var loss float64
	for i := range m {
		row := p.RawRowView(i)

		// Softmax shifted by the row maximum, so exp never overflows.
		top := row[0]
		for _, v := range row {
			top = max(top, v)
		}
		zy := row[y[i]] - top
		var sum float64
		for c, v := range row {
			row[c] = math.Exp(v - top)
			sum += row[c]
		}
		loss += math.Log(sum) - zy
		for c := range row {
			row[c] /= sum
		}
		row[y[i]]--
		for c, v := range row {
			row[c] = v / float64(m)
			gb[c] += row[c]
		}
	}
	loss /= float64(m)

	var gw mat.Dense
	gw.Mul(p.T(), x)
	if wd != 0 {
		gw.Add(&gw, scaled(wd, w))
		loss += wd / 2 * mat.Norm(w, 2) * mat.Norm(w, 2)
	}
	return loss, &gw, gb
}
