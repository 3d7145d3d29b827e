package objective

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Loss names a GAN loss family.
type Loss string

// The GAN losses.
const (
	// Hinge: L_D = E[relu(1-D(x))] + λ·E[relu(1+D(G(z)))]
	// + (1-λ)·E[relu(1+D(NDA(x)))], L_G = -E[D(G(z))].
	Hinge Loss = "hinge"
	// NonSaturating: the softplus form, L_D = E[softplus(-D(x))]
	// + λ·E[softplus(D(G(z)))] + (1-λ)·E[softplus(D(NDA(x)))],
	// L_G = E[softplus(-D(G(z)))].
	NonSaturating Loss = "nonsaturating"
)

// ParseLoss checks a configured loss name.
func ParseLoss(s string) (Loss, error) {
	switch Loss(s) {
	case Hinge, NonSaturating:
		return Loss(s), nil
	}
	return "", fmt.Errorf("parse gan loss %q: want %q or %q: %w",
		s, Hinge, NonSaturating, core.ErrInvalidArgument)
}

// ValidateLambda checks the NDA weight λ: in [0, 1]; 1 is the baseline (no NDA
// term); the paper's runs use 0.25.
func ValidateLambda(lambda float64) error {
	if !(lambda >= 0 && lambda <= 1) {
		return fmt.Errorf("nda lambda %g, want in [0, 1]: %w", lambda, core.ErrInvalidArgument)
	}
	return nil
}

// DiscriminatorLoss builds L_D from D's scores (N or N×1 nodes) on real
// images, generated images and NDA negatives. neg may be nil only when
// lambda is 1; with lambda 1 the NDA term is left out altogether. In the
// conditional case the caller scores each negative with the label of the
// real image it came from (NegativeLabels).
func DiscriminatorLoss(loss Loss, real, fake, neg *gorgonia.Node, lambda float64) (
	*gorgonia.Node, error) {
	if err := ValidateLambda(lambda); err != nil {
		return nil, err
	}
	if neg == nil && lambda != 1 {
		return nil, fmt.Errorf("discriminator loss: lambda %g needs NDA negatives: %w",
			lambda, core.ErrInvalidArgument)
	}
	realTerm, err := term(loss, real, -1)
	if err != nil {
		return nil, err
	}
	fakeTerm, err := term(loss, fake, +1)
	if err != nil {
		return nil, err
	}
	if lambda == 1 {
		return gorgonia.Add(realTerm, fakeTerm)
	}

	negTerm, err := term(loss, neg, +1)
	if err != nil {
		return nil, err
	}
	fakeW, err := scaled(fakeTerm, lambda)
	if err != nil {
		return nil, err
	}
	negW, err := scaled(negTerm, 1-lambda)
	if err != nil {
		return nil, err
	}
	sum, err := gorgonia.Add(realTerm, fakeW)
	if err != nil {
		return nil, err
	}
	return gorgonia.Add(sum, negW)
}

// GeneratorLoss builds L_G from D's scores on generated images.
func GeneratorLoss(loss Loss, fake *gorgonia.Node) (*gorgonia.Node, error) {
	switch loss {
	case Hinge:
		m, err := gorgonia.Mean(fake)
		if err != nil {
			return nil, err
		}
		return gorgonia.Neg(m)
	case NonSaturating:
		return term(loss, fake, -1)
	}
	return nil, fmt.Errorf("generator loss: unknown loss %q: %w", loss, core.ErrInvalidArgument)
}

// term is E[relu(1 + sign·d)] (hinge) or E[softplus(sign·d)].
func term(loss Loss, d *gorgonia.Node, sign float64) (*gorgonia.Node, error) {
	if d == nil {
		return nil, fmt.Errorf("gan loss: missing scores: %w", core.ErrInvalidArgument)
	}
	if s := d.Shape(); !(s.Dims() == 1 || (s.Dims() == 2 && s[1] == 1)) {
		return nil, fmt.Errorf("gan loss: scores of shape %v, want N or N×1: %w",
			s, core.ErrInvalidArgument)
	}
	x := d
	var err error
	if sign < 0 {
		if x, err = gorgonia.Neg(d); err != nil {
			return nil, err
		}
	}
	switch loss {
	case Hinge:
		if x, err = gorgonia.Add(x, constant(d.Dtype(), 1)); err != nil {
			return nil, err
		}
		x, err = gorgonia.Rectify(x)
	case NonSaturating:
		x, err = gorgonia.Softplus(x)
	default:
		return nil, fmt.Errorf("gan loss: unknown loss %q: %w", loss, core.ErrInvalidArgument)
	}
	if err != nil {
		return nil, err
	}
	return gorgonia.Mean(x)
}

func scaled(x *gorgonia.Node, c float64) (*gorgonia.Node, error) {
	return gorgonia.Mul(x, constant(x.Dtype(), c))
}

func constant(dt tensor.Dtype, v float64) *gorgonia.Node {
	if dt == tensor.Float64 {
		return gorgonia.NewConstant(v)
	}
	return gorgonia.NewConstant(float32(v))
}

// NegativeLabels gives each of the per negatives made from a real image the
// real image's label: labels of N reals become N·per labels, sample-major
// (negative j of real i at i·per+j).
func NegativeLabels(real []int32, per int) []int32 {
	out := make([]int32, 0, len(real)*per)
	for _, l := range real {
		for range per {
			out = append(out, l)
		}
	}
	return out
}

// HingeD is L_D with the hinge loss on plain scores, for tests and
// reference values; neg may be empty when lambda is 1.
func HingeD(real, fake, neg []float64, lambda float64) float64 {
	relu := func(x float64) float64 { return math.Max(x, 0) }
	l := mean(real, func(d float64) float64 { return relu(1 - d) }) +
		lambda*mean(fake, func(d float64) float64 { return relu(1 + d) })
	if lambda != 1 {
		l += (1 - lambda) * mean(neg, func(d float64) float64 { return relu(1 + d) })
	}
	return l
}

// HingeG is L_G with the hinge loss: -E[D(G(z))].
func HingeG(fake []float64) float64 {
	return -mean(fake, func(d float64) float64 { return d })
}

// NonSaturatingD is L_D with the softplus loss on plain scores.
func NonSaturatingD(real, fake, neg []float64, lambda float64) float64 {
	l := mean(real, func(d float64) float64 { return softplus(-d) }) +
		lambda*mean(fake, softplus)
	if lambda != 1 {
		l += (1 - lambda) * mean(neg, softplus)
	}
	return l
}

// NonSaturatingG is L_G with the softplus loss: E[softplus(-D(G(z)))].
func NonSaturatingG(fake []float64) float64 {
	return mean(fake, func(d float64) float64 { return softplus(-d) })
}

// softplus is log(1+eˣ), computed without overflow.
func softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func mean(xs []float64, f func(float64) float64) float64 {
	var s float64
	for _, x := range xs {
		s += f(x)
	}
	return s / float64(len(xs))
}
