package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Batch-norm defaults, PyTorch's.
const (
	DefaultBNMomentum = 0.1
	DefaultBNEps      = 1e-5
)

// BatchNorm normalises x N×C×… (or N×C) per channel. In a Train-mode graph
// it uses the batch's mean and biased variance and, after each Run, folds
// them into the running statistics (running = (1-m)·running + m·batch,
// with the unbiased variance, as PyTorch); otherwise it uses the running
// statistics. Gamma and Beta are the affine part; both are nil in a
// ConditionalBatchNorm's core.
type BatchNorm struct {
	Gamma, Beta *Param
	Mean, Var   *Param
	// Momentum and Eps default to DefaultBNMomentum and DefaultBNEps.
	Momentum, Eps float64
	c             int
}

// NewBatchNorm registers name+".gamma", ".beta" (trainable) and ".mean",
// ".var" (running statistics, state) for c channels.
func NewBatchNorm(ps *Params, name string, c int) *BatchNorm {
	bn := newNorm(ps, name, c)
	bn.Gamma = ps.Weight(name+".gamma", Constant(1), c)
	bn.Beta = ps.Weight(name+".beta", Constant(0), c)
	return bn
}

func newNorm(ps *Params, name string, c int) *BatchNorm {
	return &BatchNorm{
		Mean:     ps.State(name+".mean", Constant(0), c),
		Var:      ps.State(name+".var", Constant(1), c),
		Momentum: DefaultBNMomentum, Eps: DefaultBNEps, c: c,
	}
}

// Forward normalises x and applies the affine part, if any.
func (bn *BatchNorm) Forward(g *Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
	y, err := bn.Normalize(g, x)
	if err != nil || bn.Gamma == nil {
		return y, err
	}
	if y, err = Scale(y, g.Param(bn.Gamma)); err != nil {
		return nil, err
	}
	return Shift(y, g.Param(bn.Beta))
}

// Normalize standardises x without the affine part.
func (bn *BatchNorm) Normalize(g *Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
	if s := x.Shape(); s.Dims() < 2 || s[1] != bn.c {
		return nil, fmt.Errorf("batch norm %s: input %v, want N×%d×…: %w",
			bn.Mean.Name, s, bn.c, core.ErrInvalidArgument)
	}
	m := g.Mode()
	if !m.Train {
		return gorgonia.ApplyOp(normEvalOp{eps: bn.Eps, dims: x.Dims()}, x,
			g.Param(bn.Mean), g.Param(bn.Var))
	}
	if !m.FreezeStats {
		// Every application in the graph updates the statistics once per
		// Run, as each forward pass does in PyTorch.
		g.AfterRun(func() error { return bn.track(x.Value()) })
	}
	return gorgonia.ApplyOp(normOp{eps: bn.Eps, dims: x.Dims()}, x)
}

// track folds the batch statistics of x into the running ones.
func (bn *BatchNorm) track(x gorgonia.Value) error {
	if x == nil {
		return fmt.Errorf("batch norm %s: input has no value: %w", bn.Mean.Name, core.ErrInternal)
	}
	l := layoutOf(x.Shape())
	var mean, variance []float64
	switch valueDtype(x) {
	case tensor.Float32:
		mean, variance = channelStats(l, values[float32](x))
	default:
		mean, variance = channelStats(l, values[float64](x))
	}
	count := float64(l.n * l.s)
	rm, rv := Float64s(bn.Mean.Value), Float64s(bn.Var.Value)
	for c := range rm {
		unbiased := variance[c]
		if count > 1 {
			unbiased *= count / (count - 1)
		}
		rm[c] = (1-bn.Momentum)*rm[c] + bn.Momentum*mean[c]
		rv[c] = (1-bn.Momentum)*rv[c] + bn.Momentum*unbiased
	}
	SetFloat64s(bn.Mean.Value, rm)
	SetFloat64s(bn.Var.Value, rv)
	return nil
}

// ConditionalBatchNorm is class-conditional batch norm: a normalisation
// without its own affine part, then a per-sample gain and bias looked up
// by class (gains start at 1, biases at 0).
type ConditionalBatchNorm struct {
	*BatchNorm
	Gain, Bias *Embedding
}

// NewConditionalBatchNorm registers the running statistics and two
// classes×c tables, name+".gain" and name+".bias".
func NewConditionalBatchNorm(ps *Params, name string, c, classes int) *ConditionalBatchNorm {
	return &ConditionalBatchNorm{
		BatchNorm: newNorm(ps, name, c),
		Gain:      NewEmbedding(ps, name+".gain", classes, c, Constant(1)),
		Bias:      NewEmbedding(ps, name+".bias", classes, c, Constant(0)),
	}
}

// Forward normalises x and applies the gain and bias of each sample's
// class; labels is an N input of class indices (Input.SetLabels).
func (cbn *ConditionalBatchNorm) Forward(g *Graph, x, labels *gorgonia.Node) (
	*gorgonia.Node, error) {
	y, err := cbn.Normalize(g, x)
	if err != nil {
		return nil, err
	}
	gain, err := cbn.Gain.Forward(g, labels)
	if err != nil {
		return nil, err
	}
	bias, err := cbn.Bias.Forward(g, labels)
	if err != nil {
		return nil, err
	}
	if y, err = Scale(y, gain); err != nil {
		return nil, err
	}
	return Shift(y, bias)
}
