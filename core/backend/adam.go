package backend

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// AdamConfig holds Adam's hyper-parameters (Kingma & Ba 2015).
type AdamConfig struct {
	// LR is the learning rate, e.g. 2e-4 for DCGAN and BigGAN's D.
	LR float64
	// Beta1 and Beta2 are the moments' decay rates, e.g. 0.5 and 0.999
	// (DCGAN) or 0 and 0.999 (BigGAN).
	Beta1, Beta2 float64
	// Eps keeps the denominator away from zero, e.g. 1e-8.
	Eps float64
}

// Validate reports a hyper-parameter outside its range.
func (c AdamConfig) Validate() error {
	switch {
	case !(c.LR > 0):
		return fmt.Errorf("adam: learning rate %g, want > 0: %w", c.LR, core.ErrInvalidArgument)
	case c.Beta1 < 0 || c.Beta1 >= 1:
		return fmt.Errorf("adam: beta1 %g, want in [0, 1): %w", c.Beta1, core.ErrInvalidArgument)
	case c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("adam: beta2 %g, want in [0, 1): %w", c.Beta2, core.ErrInvalidArgument)
	case !(c.Eps > 0):
		return fmt.Errorf("adam: eps %g, want > 0: %w", c.Eps, core.ErrInvalidArgument)
	}
	return nil
}

// Adam updates a Params' trainable tensors in place with bias-corrected
// moments, as PyTorch's torch.optim.Adam without weight decay:
//
//	m ← β1·m + (1-β1)·g        v ← β2·v + (1-β2)·g²
//	p ← p - lr · (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + ε)
//
// The moments and the step count are exported as checkpoint tensors, so a
// resumed run continues exactly.
type Adam struct {
	cfg    AdamConfig
	set    string
	params []*Param
	m, v   []*tensor.Dense
	index  map[*Param]int
	step   *tensor.Dense // one int64: updates done
}

// NewAdam returns an optimiser for the trainable tensors of ps.
func NewAdam(ps *Params, cfg AdamConfig) (*Adam, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Adam{cfg: cfg, set: ps.Name(), index: map[*Param]int{},
		step: tensor.New(tensor.Of(tensor.Int64), tensor.WithShape(1))}
	for i, p := range ps.Trainable() {
		a.params = append(a.params, p)
		a.m = append(a.m, tensor.New(tensor.Of(ps.Dtype()), tensor.WithShape(p.Value.Shape()...)))
		a.v = append(a.v, tensor.New(tensor.Of(ps.Dtype()), tensor.WithShape(p.Value.Shape()...)))
		a.index[p] = i
	}
	return a, nil
}

// Steps returns how many updates have been applied.
func (a *Adam) Steps() int64 { return a.step.Int64s()[0] }

// Step applies one update from gradients (Graph.Grads). Every gradient must
// belong to a trainable parameter of this optimiser's set; parameters with
// no gradient in grads are left as they are, moments included.
func (a *Adam) Step(grads []Grad) error {
	for _, g := range grads {
		if _, ok := a.index[g.P]; !ok {
			return fmt.Errorf("adam step: parameter %q is not in set %q: %w",
				g.P.Name, a.set, core.ErrInvalidArgument)
		}
		if !g.G.Shape().Eq(g.P.Value.Shape()) {
			return fmt.Errorf("adam step: gradient of %q has shape %v, want %v: %w",
				g.P.Name, g.G.Shape(), g.P.Value.Shape(), core.ErrInvalidArgument)
		}
	}

	t := a.step.Int64s()[0] + 1
	a.step.Int64s()[0] = t
	c1 := 1 - math.Pow(a.cfg.Beta1, float64(t))
	c2 := 1 - math.Pow(a.cfg.Beta2, float64(t))
	for _, g := range grads {
		i := a.index[g.P]
		switch g.P.Value.Dtype() {
		case tensor.Float32:
			adamUpdate(a.cfg, c1, c2, g.P.Value.Float32s(), g.G.Float32s(),
				a.m[i].Float32s(), a.v[i].Float32s())
		default:
			adamUpdate(a.cfg, c1, c2, g.P.Value.Float64s(), g.G.Float64s(),
				a.m[i].Float64s(), a.v[i].Float64s())
		}
	}
	return nil
}

// adamUpdate computes in float64 and stores in T.
func adamUpdate[T elem](c AdamConfig, c1, c2 float64, p, g, m, v []T) {
	for i := range p {
		gi := float64(g[i])
		mi := c.Beta1*float64(m[i]) + (1-c.Beta1)*gi
		vi := c.Beta2*float64(v[i]) + (1-c.Beta2)*gi*gi
		m[i], v[i] = T(mi), T(vi)
		p[i] = T(float64(p[i]) - c.LR*(mi/c1)/(math.Sqrt(vi/c2)+c.Eps))
	}
}

// Tensors lists the moments and the step count for checkpoints:
// "<set>/adam.m/<param>", "<set>/adam.v/<param>", "<set>/adam.step".
func (a *Adam) Tensors() []Named {
	out := make([]Named, 0, 2*len(a.params)+1)
	for i, p := range a.params {
		out = append(out,
			Named{Name: a.set + "/adam.m/" + p.Name, T: a.m[i]},
			Named{Name: a.set + "/adam.v/" + p.Name, T: a.v[i]})
	}
	return append(out, Named{Name: a.set + "/adam.step", T: a.step})
}
