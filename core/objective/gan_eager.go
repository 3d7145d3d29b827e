package objective

import "math"

// The GAN losses on plain logits, with their gradients written out: what a
// model computing with eager layers (core/backend/nn) backpropagates from.
// They compute the same losses as DiscriminatorLoss and GeneratorLoss, and
// a test holds them to agree.

// DTerms are the parts of one discriminator loss and D's mean logits.
type DTerms struct {
	Total, Real, Fake, Neg      float64 // Total = Real + wFake·Fake + wNeg·Neg
	MeanReal, MeanFake, MeanNeg float64
}

// DiscriminatorLossGrad computes L_D of loss over logits laid out as nReal
// real, nFake generated and nNeg NDA samples (one D pass over the three
// batches stacked), and writes dL_D/dlogit into grad (len(logits) long).
// The generated side weighs λ and the negatives 1-λ; with no negatives the
// generated side weighs 1 whatever λ, the baseline loss.
func DiscriminatorLossGrad(loss Loss, logits []float32, nReal, nFake, nNeg int,
	lambda float64, grad []float32) DTerms {
	wFake, wNeg := lambda, 1-lambda
	if nNeg == 0 {
		wFake, wNeg = 1, 0
	}
	realTerm, fakeTerm := hingeReal, hingeFake
	if loss == NonSaturating {
		realTerm, fakeTerm = softplusReal, softplusFake
	}

	var t DTerms
	t.Real, t.MeanReal = side(logits, grad, 0, nReal, 1, realTerm)
	t.Fake, t.MeanFake = side(logits, grad, nReal, nFake, wFake, fakeTerm)
	t.Neg, t.MeanNeg = side(logits, grad, nReal+nFake, nNeg, wNeg, fakeTerm)
	t.Total = t.Real + wFake*t.Fake + wNeg*t.Neg
	return t
}

// GeneratorLossGrad computes L_G of loss over the logits of generated
// samples and writes dL_G/dlogit into grad.
func GeneratorLossGrad(loss Loss, logits, grad []float32) float64 {
	term := hingeG
	if loss == NonSaturating {
		term = softplusReal // E[softplus(-D(G(z)))]
	}
	l, _ := side(logits, grad, 0, len(logits), 1, term)
	return l
}

// termFunc is one sample's loss term f(d) and its derivative f'(d).
type termFunc func(d float64) (f, df float64)

// side averages term over logits[lo:lo+n], writes w·f'(d)/n into the
// matching grad entries, and returns the mean term and the mean logit.
func side(logits, grad []float32, lo, n int, w float64, term termFunc) (loss, mean float64) {
	for i := lo; i < lo+n; i++ {
		d := float64(logits[i])
		f, df := term(d)
		loss += f / float64(n)
		mean += d / float64(n)
		grad[i] = float32(w * df / float64(n))
	}
	return loss, mean
}

// hingeReal is relu(1-d), hingeFake relu(1+d) and hingeG -d.
func hingeReal(d float64) (float64, float64) {
	if 1-d > 0 {
		return 1 - d, -1
	}
	return 0, 0
}

func hingeFake(d float64) (float64, float64) {
	if 1+d > 0 {
		return 1 + d, 1
	}
	return 0, 0
}

func hingeG(d float64) (float64, float64) { return -d, -1 }

// softplusReal is softplus(-d), softplusFake softplus(d); the derivative of
// softplus is the logistic function.
func softplusReal(d float64) (float64, float64) { return softplus(-d), -sigmoid(-d) }

func softplusFake(d float64) (float64, float64) { return softplus(d), sigmoid(d) }

// sigmoid is 1/(1+e⁻ˣ), computed without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
