package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestBiasActivateGradients(t *testing.T) {
	const n, c, p = 3, 4, 5
	for _, act := range []Activation{Identity, ReLU, LeakyReLU, Tanh} {
		t.Run(act.String(), func(t *testing.T) {
			r := newRand(4)
			x := randSlice(r, n*c*p)
			bias := randSlice(r, c)
			probe := randSlice(r, n*c*p)
			y := make([]float32, len(x))
			fwd := func() {
				copy(y, x)
				BiasActivate(act, 0.2, n, c, p, bias, y)
			}
			loss := func() float64 { fwd(); return dot(y, probe) }

			fwd()
			dx := append([]float32(nil), probe...)
			db := make([]float32, c)
			ActivateBackward(act, 0.2, n, c, p, y, dx, db)
			checkGrad(t, "dx", x, dx, loss)
			checkGrad(t, "dbias", bias, db, loss)
		})
	}
}

func TestBiasActivateValues(t *testing.T) {
	y := []float32{-2, -0.5, 0.5, 2}
	cases := []struct {
		act  Activation
		want []float32
	}{
		{Identity, []float32{-1, 0.5, 1.5, 3}},
		{ReLU, []float32{0, 0.5, 1.5, 3}},
		{LeakyReLU, []float32{-0.2, 0.5, 1.5, 3}},
		{Tanh, []float32{float32(math.Tanh(-1)), float32(math.Tanh(0.5)),
			float32(math.Tanh(1.5)), float32(math.Tanh(3))}},
	}
	for _, tc := range cases {
		got := append([]float32(nil), y...)
		BiasActivate(tc.act, 0.2, 1, 1, 4, []float32{1}, got)
		closeTo(t, tc.act.String(), got, tc.want, 1e-6)
	}
}

func TestUpsample2(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	y := make([]float32, 24)
	Upsample2Forward(1, 2, 3, x, y)
	want := []float32{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6}
	closeTo(t, "y", y, want, 0)

	r := newRand(5)
	const planes, h, w = 6, 5, 7
	xs := randSlice(r, planes*h*w)
	probe := randSlice(r, planes*4*h*w)
	ys := make([]float32, len(probe))
	loss := func() float64 { Upsample2Forward(planes, h, w, xs, ys); return dot(ys, probe) }
	dx := make([]float32, len(xs))
	Upsample2Backward(planes, h, w, probe, dx)
	checkGrad(t, "dx", xs, dx, loss)
}

func TestLinearGradients(t *testing.T) {
	for _, tc := range []struct{ n, in, out, workers int }{
		{4, 5, 3, 1}, {7, 9, 300, 2}, {2, 3, 1, 2},
	} {
		t.Run(fmt.Sprintf("%dx%d->%d/w%d", tc.n, tc.in, tc.out, tc.workers), func(t *testing.T) {
			r := newRand(6)
			x := randSlice(r, tc.n*tc.in)
			w := randSlice(r, tc.out*tc.in)
			b := randSlice(r, tc.out)
			probe := randSlice(r, tc.n*tc.out)
			y := make([]float32, len(probe))
			loss := func() float64 {
				LinearForward(tc.workers, tc.n, tc.in, tc.out, x, w, b, y)
				return dot(y, probe)
			}

			// Forward against the definition.
			loss()
			for i := range tc.n {
				for o := range tc.out {
					want := float64(b[o])
					for j := range tc.in {
						want += float64(x[i*tc.in+j]) * float64(w[o*tc.in+j])
					}
					if math.Abs(float64(y[i*tc.out+o])-want) > 1e-4*math.Max(1, math.Abs(want)) {
						t.Fatalf("y[%d,%d] = %g, want %g", i, o, y[i*tc.out+o], want)
					}
				}
			}

			dx := make([]float32, len(x))
			dw := make([]float32, len(w))
			db := make([]float32, len(b))
			LinearBackwardData(tc.workers, tc.n, tc.in, tc.out, probe, w, dx)
			LinearBackwardWeights(tc.workers, tc.n, tc.in, tc.out, x, probe, dw, db)
			checkGrad(t, "dx", x, dx, loss)
			checkGrad(t, "dw", w, dw, loss)
			checkGrad(t, "db", b, db, loss)
		})
	}
}

func TestBatchNorm(t *testing.T) {
	cases := []struct {
		n, c, p, workers int
		act              Activation
	}{
		{8, 3, 5, 1, Identity}, {16, 7, 1, 1, Identity},
		{64, 40, 9, 2, ReLU}, {32, 600, 1, 3, ReLU},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("n%d_c%d_p%d_w%d_%v", tc.n, tc.c, tc.p, tc.workers, tc.act)
		t.Run(name, func(t *testing.T) {
			r := newRand(7)
			x := randSlice(r, tc.n*tc.c*tc.p)
			for i := range x {
				x[i] = 3*x[i] + 1 // away from zero mean, unit variance
			}

			// Gains in [0.5, 1.5] and biases of ±8 keep every output far
			// from ReLU's kink (|x̂| < 5 here), where differences fail.
			gamma, beta := make([]float32, tc.c), make([]float32, tc.c)
			for i := range gamma {
				gamma[i] = 0.5 + r.Float32()
				beta[i] = float32(16*(i%2) - 8)
			}
			probe := randSlice(r, len(x))
			rm, rv := make([]float32, tc.c), make([]float32, tc.c)
			y := make([]float32, len(x))
			bn := NewBatchNorm(tc.c)
			bn.Act, bn.Workers = tc.act, tc.workers
			loss := func() float64 {
				bn.ForwardTrain(tc.n, tc.p, x, gamma, beta, rm, rv, y)
				return dot(y, probe)
			}

			// Before the activation each channel has mean beta and variance
			// gamma² (biased); check the channels ReLU leaves untouched.
			loss()
			m := float64(tc.n * tc.p)
			for ch := range tc.c {
				if tc.act == ReLU && beta[ch] < 0 {
					continue
				}
				var s, sq float64
				for i := range tc.n {
					for j := range tc.p {
						v := float64(y[(i*tc.c+ch)*tc.p+j])
						s += v
						sq += v * v
					}
				}
				mean, variance := s/m, sq/m-(s/m)*(s/m)
				g := float64(gamma[ch])
				if math.Abs(mean-float64(beta[ch])) > 1e-4*math.Abs(float64(beta[ch])) ||
					math.Abs(variance-g*g) > 1e-3 {
					t.Fatalf("channel %d: mean %g var %g, want %g and %g", ch, mean, variance, beta[ch], g*g)
				}
			}

			dx := make([]float32, len(x))
			dg, dbt := make([]float32, tc.c), make([]float32, tc.c)
			dy := append([]float32(nil), probe...)
			bn.Backward(dy, gamma, dx, dg, dbt)
			checkGrad(t, "dx", x, dx, loss)
			checkGrad(t, "dgamma", gamma, dg, loss)
			checkGrad(t, "dbeta", beta, dbt, loss)
		})
	}
}

func TestBatchNormRunningStats(t *testing.T) {
	// One channel, values 1..4: mean 2.5, unbiased variance 5/3.
	x := []float32{1, 2, 3, 4}
	rm, rv := []float32{0}, []float32{1}
	y := make([]float32, 4)
	bn := NewBatchNorm(1)
	bn.ForwardTrain(4, 1, x, []float32{1}, []float32{0}, rm, rv, y)
	closeTo(t, "running mean", rm, []float32{0.25}, 1e-6)
	closeTo(t, "running var", rv, []float32{0.9 + 0.1*5.0/3}, 1e-6)

	bn.ForwardEval(4, 1, x, []float32{2}, []float32{1}, []float32{2.5}, []float32{1.25 - 1e-5}, y)
	closeTo(t, "eval", y, []float32{1 + 2*(-1.5)/float32(math.Sqrt(1.25)),
		1 + 2*(-0.5)/float32(math.Sqrt(1.25)), 1 + 2*(0.5)/float32(math.Sqrt(1.25)),
		1 + 2*(1.5)/float32(math.Sqrt(1.25))}, 1e-5)
}

func TestSgemmTransposes(t *testing.T) {
	r := newRand(8)
	const m, n, k = 5, 7, 3
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a := randSlice(r, m*k)
			b := randSlice(r, k*n)
			c := randSlice(r, m*n)
			at := func(i, p int) float32 {
				if ta {
					return a[p*m+i]
				}
				return a[i*k+p]
			}
			bt := func(p, j int) float32 {
				if tb {
					return b[j*k+p]
				}
				return b[p*n+j]
			}
			want := make([]float32, m*n)
			for i := range m {
				for j := range n {
					var s float64
					for p := range k {
						s += float64(at(i, p)) * float64(bt(p, j))
					}
					want[i*n+j] = float32(2*s + 0.5*float64(c[i*n+j]))
				}
			}
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			got := append([]float32(nil), c...)
			Sgemm(ta, tb, m, n, k, 2, a, lda, b, ldb, 0.5, got, n)
			closeTo(t, fmt.Sprintf("sgemm %v %v", ta, tb), got, want, 1e-5)
			got = append([]float32(nil), c...)
			ParallelSgemm(2, ta, tb, m, n, k, 2, a, lda, b, ldb, 0.5, got, n)
			closeTo(t, fmt.Sprintf("parallel sgemm %v %v", ta, tb), got, want, 1e-5)
		}
	}
}

func TestGlobalSumPool(t *testing.T) {
	const n, c, p = 3, 4, 5
	r := newRand(12)
	x := randSlice(r, n*c*p)
	probe := randSlice(r, n*c)
	y := make([]float32, n*c)
	loss := func() float64 { GlobalSumPool(n, c, p, 0.5, x, y); return dot(y, probe) }
	loss()
	var want float32
	for _, v := range x[p : 2*p] {
		want += v
	}
	closeTo(t, "y[1]", y[1:2], []float32{want * 0.5}, 1e-6)
	dx := make([]float32, len(x))
	GlobalSumPoolBackward(n, c, p, 0.5, probe, dx)
	checkGrad(t, "dx", x, dx, loss)
}

func TestAvgPool2(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	y := make([]float32, 2)
	AvgPool2Forward(1, 2, 4, x, y)
	closeTo(t, "y", y, []float32{(1 + 2 + 5 + 6) / 4.0, (3 + 4 + 7 + 8) / 4.0}, 1e-7)

	const planes, h, w = 3, 6, 4
	r := newRand(13)
	xs := randSlice(r, planes*h*w)
	probe := randSlice(r, planes*h*w/4)
	ys := make([]float32, len(probe))
	loss := func() float64 { AvgPool2Forward(planes, h, w, xs, ys); return dot(ys, probe) }
	dx := make([]float32, len(xs))
	AvgPool2Backward(planes, h, w, probe, dx)
	checkGrad(t, "dx", xs, dx, loss)
}

func TestTanh32(t *testing.T) {
	// Absolute error below 5e-7 (under 8 float32 ulps near ±1, where an
	// ulp is 6e-8) on a fine grid over [-10, 10], and exact saturation far
	// out. The parity test with PyTorch needs 1e-4.
	worst := 0.0
	for i := -200000; i <= 200000; i++ {
		x := float32(i) * 5e-5
		got := float64(tanh32(x))
		if d := math.Abs(got - math.Tanh(float64(x))); d > worst {
			worst = d
		}
	}
	if worst > 5e-7 {
		t.Fatalf("max |tanh32 - tanh| = %.3g, want ≤ 5e-7", worst)
	}
	if tanh32(50) != 1 || tanh32(-50) != -1 {
		t.Fatalf("tanh32(±50) = %v, %v, want ±1", tanh32(50), tanh32(-50))
	}
}

// at is element (i, j) of op(M), M stored row-major with row stride ld.
func at(m []float32, ld int, trans bool, i, j int) float32 {
	if trans {
		return m[j*ld+i]
	}
	return m[i*ld+j]
}

// TestSgemmShapes holds Sgemm to a float64 reference over degenerate and
// odd shapes, padded row strides and every beta case, with whatever BLAS
// the build uses. With beta = 0, C starts as NaN: BLAS must not read it.
func TestSgemmShapes(t *testing.T) {
	r := newRand(9)
	dims := [][3]int{{1, 1, 1}, {1, 9, 4}, {9, 1, 4}, {3, 5, 1}, {17, 33, 65}, {64, 49, 3},
		{2, 300, 7}, {130, 2, 129}}
	for _, d := range dims {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, beta := range []float32{0, 1, -0.5} {
					checkSgemm(t, r, d[0], d[1], d[2], ta, tb, beta)
				}
			}
		}
	}
}

// checkSgemm runs one Sgemm with alpha 1.5 on random operands whose row
// strides exceed their widths, and compares it with a float64 product.
func checkSgemm(t *testing.T, r *rand.Rand, m, n, k int, ta, tb bool, beta float32) {
	t.Helper()
	stored := func(rows, cols int, trans bool) (int, int) {
		if trans {
			return cols, rows
		}
		return rows, cols
	}
	rowsA, colsA := stored(m, k, ta)
	rowsB, colsB := stored(k, n, tb)
	lda, ldb, ldc := colsA+2, colsB+1, n+3
	a := randSlice(r, rowsA*lda)
	b := randSlice(r, rowsB*ldb)
	c := randSlice(r, m*ldc)
	if beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}

	want := make([]float32, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(at(a, lda, ta, i, p)) * float64(at(b, ldb, tb, p, j))
			}
			s *= 1.5
			if beta != 0 {
				s += float64(beta) * float64(c[i*ldc+j])
			}
			want[i*n+j] = float32(s)
		}
	}

	Sgemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, beta, c, ldc)
	got := make([]float32, 0, m*n)
	for i := range m {
		got = append(got, c[i*ldc:i*ldc+n]...)
	}
	closeTo(t, fmt.Sprintf("%s sgemm m=%d n=%d k=%d ta=%v tb=%v beta=%v", BLAS, m, n, k, ta, tb,
		beta), got, want, 2e-5*float64(k))
}
