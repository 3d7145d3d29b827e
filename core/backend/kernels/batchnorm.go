package kernels

import "math"

// BatchNorm normalises n×c×p activations per channel over the n·p values of
// each channel (p = 1 for a 1-D batch norm over features), then applies
// per-channel gains and biases and a fused activation (Identity or ReLU).
// It keeps the batch statistics of the last training forward for the
// backward pass, so one BatchNorm serves one layer and one goroutine; it
// splits channels over up to Workers goroutines itself.
type BatchNorm struct {
	C        int
	Eps      float64 // added to the variance; PyTorch's default is 1e-5
	Momentum float64 // running-statistics weight of the new batch; PyTorch: 0.1
	Act      Activation
	Workers  int

	mean, invStd []float32 // of the last training batch, per channel
	xhat         []float32 // normalised input of the last training batch
	y            []float32 // output of the last training forward (for Act)
	n, p         int
	sum, sq      []float64 // per-channel accumulators, kept to avoid allocation
}

// NewBatchNorm returns a batch norm over c channels with PyTorch's defaults,
// no activation and one worker.
func NewBatchNorm(c int) *BatchNorm {
	return &BatchNorm{C: c, Eps: 1e-5, Momentum: 0.1, Workers: 1}
}

// ForwardTrain normalises x with its own batch statistics, writes
// act(gamma·x̂ + beta) to y (which must not alias x), and moves runMean and
// runVar (the unbiased batch variance, as PyTorch does) toward the batch's.
func (bn *BatchNorm) ForwardTrain(n, p int, x, gamma, beta, runMean, runVar, y []float32) {
	c := bn.C
	mustLen("batch norm input", x, n*c*p)
	mustLen("batch norm output", y, n*c*p)
	bn.n, bn.p, bn.y = n, p, y
	bn.mean = grow(&bn.mean, c)
	bn.invStd = grow(&bn.invStd, c)
	bn.xhat = grow(&bn.xhat, n*c*p)
	sum, sq := bn.accumulators()
	m := float64(n * p)

	parallelFor(bn.Workers, c, n*c*p, func(_, lo, hi int) {
		// Two passes in float64 per channel: mean, then centred squares,
		// which stays accurate where E[x²]-E[x]² would cancel.
		forRows(x, n, c, p, lo, hi, func(ch int, row []float32) {
			var s float64
			for _, v := range row {
				s += float64(v)
			}
			sum[ch] += s
		}, func(ch0 int, col []float32) {
			for j, v := range col {
				sum[ch0+j] += float64(v)
			}
		})
		for ch := lo; ch < hi; ch++ {
			sum[ch] /= m
		}
		forRows(x, n, c, p, lo, hi, func(ch int, row []float32) {
			mu := sum[ch]
			var s float64
			for _, v := range row {
				d := float64(v) - mu
				s += d * d
			}
			sq[ch] += s
		}, func(ch0 int, col []float32) {
			for j, v := range col {
				d := float64(v) - sum[ch0+j]
				sq[ch0+j] += d * d
			}
		})
		for ch := lo; ch < hi; ch++ {
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
			if p == 1 {
				l, h := i*c+lo, i*c+hi
				xh, out := bn.xhat[l:h], y[l:h]
				for j, v := range x[l:h] {
					ch := lo + j
					xh[j] = (v - bn.mean[ch]) * bn.invStd[ch]
					out[j] = gamma[ch]*xh[j] + beta[ch]
				}
				activateRow(bn.Act, 0, 0, out)
				continue
			}
			for ch := lo; ch < hi; ch++ {
				l, h := (i*c+ch)*p, (i*c+ch+1)*p
				mu, is, g, b := bn.mean[ch], bn.invStd[ch], gamma[ch], beta[ch]
				xh, out := bn.xhat[l:h], y[l:h]
				for j, v := range x[l:h] {
					xh[j] = (v - mu) * is
				}
				for j, v := range xh {
					out[j] = g*v + b
				}
				activateRow(bn.Act, 0, 0, out)
			}
		}
	})
}

// forRows calls row for every (sample, channel) row of p values of the
// channels [lo, hi) — or, when p is 1 and rows would be single values,
// col once per sample with the contiguous values of those channels.
func forRows(x []float32, n, c, p, lo, hi int,
	row func(ch int, r []float32), col func(ch0 int, v []float32)) {
	for i := range n {
		if p == 1 {
			col(lo, x[i*c+lo:i*c+hi])
			continue
		}
		for ch := lo; ch < hi; ch++ {
			row(ch, x[(i*c+ch)*p:(i*c+ch+1)*p])
		}
	}
}

// ForwardEval writes act(gamma·(x - runMean)/sqrt(runVar + eps) + beta) to
// y (which may alias x).
func (bn *BatchNorm) ForwardEval(n, p int, x, gamma, beta, runMean, runVar, y []float32) {
	c := bn.C
	mustLen("batch norm input", x, n*c*p)
	mustLen("batch norm output", y, n*c*p)
	parallelFor(bn.Workers, c, n*c*p, func(_, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			scale := gamma[ch] / float32(math.Sqrt(float64(runVar[ch])+bn.Eps))
			shift := beta[ch] - runMean[ch]*scale
			for i := range n {
				l, h := (i*c+ch)*p, (i*c+ch+1)*p
				out := y[l:h]
				for j, v := range x[l:h] {
					out[j] = v*scale + shift
				}
				activateRow(bn.Act, 0, 0, out)
			}
		}
	})
}

// Backward turns dy (the gradient at the last ForwardTrain's output) into
// the gradient at its input, written to dx (may alias dy; dy itself may be
// overwritten), and adds the gradients of gamma and beta to dgamma and
// dbeta.
func (bn *BatchNorm) Backward(dy, gamma, dx, dgamma, dbeta []float32) {
	c, n, p := bn.C, bn.n, bn.p
	mustLen("batch norm gradient", dy, n*c*p)
	mustLen("batch norm input gradient", dx, n*c*p)
	sumDy, sumDyXh := bn.accumulators()
	m := float64(n * p)

	parallelFor(bn.Workers, c, n*c*p, func(_, lo, hi int) {
		for i := range n {
			if p == 1 {
				l, h := i*c+lo, i*c+hi
				g := dy[l:h]
				activateGradRow(bn.Act, 0, bn.y[l:h], g)
				xh := bn.xhat[l:h]
				for j, v := range g {
					sumDy[lo+j] += float64(v)
					sumDyXh[lo+j] += float64(v) * float64(xh[j])
				}
				continue
			}
			for ch := lo; ch < hi; ch++ {
				l, h := (i*c+ch)*p, (i*c+ch+1)*p
				g := dy[l:h]
				activateGradRow(bn.Act, 0, bn.y[l:h], g)
				xh := bn.xhat[l:h]
				var s, sx float64
				for j, v := range g {
					s += float64(v)
					sx += float64(v) * float64(xh[j])
				}
				sumDy[ch] += s
				sumDyXh[ch] += sx
			}
		}
		for ch := lo; ch < hi; ch++ {
			dgamma[ch] += float32(sumDyXh[ch])
			dbeta[ch] += float32(sumDy[ch])
		}

		// dx = γ·invStd·(dy - mean(dy) - x̂·mean(dy·x̂)).
		for i := range n {
			if p == 1 {
				l, h := i*c+lo, i*c+hi
				xh, out := bn.xhat[l:h], dx[l:h]
				for j, g := range dy[l:h] {
					ch := lo + j
					k := gamma[ch] * bn.invStd[ch]
					out[j] = k * (g - float32(sumDy[ch]/m) - xh[j]*float32(sumDyXh[ch]/m))
				}
				continue
			}
			for ch := lo; ch < hi; ch++ {
				l, h := (i*c+ch)*p, (i*c+ch+1)*p
				k := gamma[ch] * bn.invStd[ch]
				a, b := float32(sumDy[ch]/m), float32(sumDyXh[ch]/m)
				xh, out := bn.xhat[l:h], dx[l:h]
				for j, g := range dy[l:h] {
					out[j] = k * (g - a - xh[j]*b)
				}
			}
		}
	})
}

// XHat returns the normalised input x̂ of the last ForwardTrain (owned by
// bn, valid until the next ForwardTrain), for layers that apply their own
// gains, such as class-conditional batch norm.
func (bn *BatchNorm) XHat() []float32 { return bn.xhat[:bn.n*bn.C*bn.p] }

// accumulators returns the two per-channel float64 scratch slices, zeroed.
func (bn *BatchNorm) accumulators() (a, b []float64) {
	if len(bn.sum) != bn.C {
		bn.sum, bn.sq = make([]float64, bn.C), make([]float64, bn.C)
	}
	clear(bn.sum)
	clear(bn.sq)
	return bn.sum, bn.sq
}
