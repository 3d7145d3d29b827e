package kernels

import "math"

// BatchNorm normalises n×c×p activations per channel over the n·p values of
// each channel (p = 1 for a 1-D batch norm over features). It keeps the
// batch statistics of the last training forward for the backward pass, so
// one BatchNorm serves one layer and one goroutine.
type BatchNorm struct {
	C        int
	Eps      float64 // added to the variance; PyTorch's default is 1e-5
	Momentum float64 // running-statistics weight of the new batch; PyTorch: 0.1

	mean, invStd []float32 // of the last training batch, per channel
	xhat         []float32 // normalised input of the last training batch
	n, p         int
	sum, sq      []float64 // per-channel accumulators, kept to avoid allocation
}

// NewBatchNorm returns a batch norm over c channels with PyTorch's defaults.
func NewBatchNorm(c int) *BatchNorm {
	return &BatchNorm{C: c, Eps: 1e-5, Momentum: 0.1}
}

// ForwardTrain normalises x with its own batch statistics, writes
// gamma·x̂ + beta to y (which may alias x), and moves runMean and runVar
// (the unbiased batch variance, as PyTorch does) toward the batch's.
func (bn *BatchNorm) ForwardTrain(n, p int, x, gamma, beta, runMean, runVar, y []float32) {
	c := bn.C
	mustLen("batch norm input", x, n*c*p)
	mustLen("batch norm output", y, n*c*p)
	bn.n, bn.p = n, p
	bn.mean = grow(&bn.mean, c)
	bn.invStd = grow(&bn.invStd, c)
	bn.xhat = grow(&bn.xhat, n*c*p)

	// Two passes in float64 per channel: mean, then centred squares, which
	// stays accurate where E[x²]-E[x]² would cancel.
	sum, sq := bn.accumulators()
	for i := range n {
		for ch := range c {
			for _, v := range x[(i*c+ch)*p : (i*c+ch+1)*p] {
				sum[ch] += float64(v)
			}
		}
	}
	m := float64(n * p)
	for ch := range c {
		sum[ch] /= m
	}
	for i := range n {
		for ch := range c {
			mu := sum[ch]
			for _, v := range x[(i*c+ch)*p : (i*c+ch+1)*p] {
				d := float64(v) - mu
				sq[ch] += d * d
			}
		}
	}
	for ch := range c {
		v := sq[ch] / m
		bn.mean[ch] = float32(sum[ch])
		bn.invStd[ch] = float32(1 / math.Sqrt(v+bn.Eps))
		unbiased := v
		if m > 1 {
			unbiased = sq[ch] / (m - 1)
		}
		mom := bn.Momentum
		runMean[ch] = float32((1-mom)*float64(runMean[ch]) + mom*sum[ch])
		runVar[ch] = float32((1-mom)*float64(runVar[ch]) + mom*unbiased)
	}

	for i := range n {
		for ch := range c {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			mu, is, g, b := bn.mean[ch], bn.invStd[ch], gamma[ch], beta[ch]
			xh := bn.xhat[lo:hi]
			for j, v := range x[lo:hi] {
				xh[j] = (v - mu) * is
			}
			for j, v := range xh {
				y[lo+j] = g*v + b
			}
		}
	}
}

// ForwardEval normalises x with the running statistics into y (may alias x).
func (bn *BatchNorm) ForwardEval(n, p int, x, gamma, beta, runMean, runVar, y []float32) {
	c := bn.C
	mustLen("batch norm input", x, n*c*p)
	mustLen("batch norm output", y, n*c*p)
	for ch := range c {
		scale := gamma[ch] / float32(math.Sqrt(float64(runVar[ch])+bn.Eps))
		shift := beta[ch] - runMean[ch]*scale
		for i := range n {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			for j, v := range x[lo:hi] {
				y[lo+j] = v*scale + shift
			}
		}
	}
}

// Backward turns dy (the gradient at the last ForwardTrain's output) into
// the gradient at its input, written to dx (may alias dy), and adds the
// gradients of gamma and beta to dgamma and dbeta.
func (bn *BatchNorm) Backward(dy, gamma, dx, dgamma, dbeta []float32) {
	c, n, p := bn.C, bn.n, bn.p
	mustLen("batch norm gradient", dy, n*c*p)
	mustLen("batch norm input gradient", dx, n*c*p)
	sumDy, sumDyXh := bn.accumulators()
	for i := range n {
		for ch := range c {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			xh := bn.xhat[lo:hi]
			for j, g := range dy[lo:hi] {
				sumDy[ch] += float64(g)
				sumDyXh[ch] += float64(g) * float64(xh[j])
			}
		}
	}
	m := float64(n * p)
	for ch := range c {
		dgamma[ch] += float32(sumDyXh[ch])
		dbeta[ch] += float32(sumDy[ch])
	}

	// dx = γ·invStd·(dy - mean(dy) - x̂·mean(dy·x̂)).
	for i := range n {
		for ch := range c {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			k := gamma[ch] * bn.invStd[ch]
			a, b := float32(sumDy[ch]/m), float32(sumDyXh[ch]/m)
			xh := bn.xhat[lo:hi]
			for j, g := range dy[lo:hi] {
				dx[lo+j] = k * (g - a - xh[j]*b)
			}
		}
	}
}

// accumulators returns the two per-channel float64 scratch slices, zeroed.
func (bn *BatchNorm) accumulators() (a, b []float64) {
	if len(bn.sum) != bn.C {
		bn.sum, bn.sq = make([]float64, bn.C), make([]float64, bn.C)
	}
	clear(bn.sum)
	clear(bn.sq)
	return bn.sum, bn.sq
}

// XHat returns the normalised input x̂ of the last ForwardTrain (owned by
// bn, valid until the next ForwardTrain), for layers that apply their own
// gains, such as class-conditional batch norm.
func (bn *BatchNorm) XHat() []float32 { return bn.xhat[:bn.n*bn.C*bn.p] }
