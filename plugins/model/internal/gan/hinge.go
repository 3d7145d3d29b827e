package gan

// DLosses are the parts of one discriminator loss and its mean logits.
type DLosses struct {
	Total, Real, Fake, Neg      float64 // Total = Real + wFake·Fake + wNeg·Neg
	MeanReal, MeanFake, MeanNeg float64
}

// HingeD computes the NDA hinge loss of D over logits laid out as nReal
// real, nFake fake and nNeg negative samples,
//
//	L_D = E[relu(1 - D(x))] + λ·E[relu(1 + D(G(z)))] + (1-λ)·E[relu(1 + D(NDA(x)))],
//
// and writes its gradient with respect to every logit into grad. With no
// negatives, fakes weigh 1 (the plain hinge loss), whatever lambda.
func HingeD(logits []float32, nReal, nFake, nNeg int, lambda float64, grad []float32) DLosses {
	wFake, wNeg := lambda, 1-lambda
	if nNeg == 0 {
		wFake, wNeg = 1, 0
	}
	var l DLosses

	// E[relu(1 - D(x))] over reals: gradient -1/n where the margin is open.
	for i := range nReal {
		v := float64(logits[i])
		l.MeanReal += v / float64(nReal)
		grad[i] = 0
		if 1-v > 0 {
			l.Real += (1 - v) / float64(nReal)
			grad[i] = float32(-1 / float64(nReal))
		}
	}

	// E[relu(1 + D(·))] over fakes and negatives, each with its weight.
	side := func(lo, n int, w float64, loss, mean *float64) {
		for i := lo; i < lo+n; i++ {
			v := float64(logits[i])
			*mean += v / float64(n)
			grad[i] = 0
			if 1+v > 0 {
				*loss += (1 + v) / float64(n)
				grad[i] = float32(w / float64(n))
			}
		}
	}
	side(nReal, nFake, wFake, &l.Fake, &l.MeanFake)
	side(nReal+nFake, nNeg, wNeg, &l.Neg, &l.MeanNeg)
	l.Total = l.Real + wFake*l.Fake + wNeg*l.Neg
	return l
}

// HingeG computes L_G = -E[D(G(z))] and writes its gradient, -1/n per
// logit.
func HingeG(logits, grad []float32) float64 {
	var loss float64
	n := float64(len(logits))
	for i, v := range logits {
		loss -= float64(v) / n
		grad[i] = float32(-1 / n)
	}
	return loss
}
