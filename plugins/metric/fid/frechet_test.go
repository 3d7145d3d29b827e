package fid

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// diagStats builds statistics with diagonal covariance diag(vars).
func diagStats(mean, vars []float64) Stats {
	cov := mat.NewSymDense(len(vars), nil)
	for i, v := range vars {
		cov.SetSym(i, i, v)
	}
	return Stats{Mean: mean, Cov: cov, N: 2}
}

// closedFormDiag is FD for diagonal (commuting) covariances:
// |μ1-μ2|² + Σ (σ1 + σ2 - 2√(σ1σ2)), σ the variances.
func closedFormDiag(m1, v1, m2, v2 []float64) float64 {
	var d float64
	for i := range m1 {
		d += (m1[i]-m2[i])*(m1[i]-m2[i]) + v1[i] + v2[i] - 2*math.Sqrt(v1[i]*v2[i])
	}
	return d
}

// randomOrthogonal returns a d×d orthogonal matrix from the QR of a
// Gaussian matrix.
func randomOrthogonal(r *rand.Rand, d int) *mat.Dense {
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, r.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// rotate returns Q diag(vars) Qᵀ.
func rotate(q *mat.Dense, vars []float64) *mat.SymDense {
	d := len(vars)
	var qd, full mat.Dense
	qd.Mul(q, mat.NewDiagDense(d, vars))
	full.Mul(&qd, q.T())
	s := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			s.SetSym(i, j, (full.At(i, j)+full.At(j, i))/2)
		}
	}
	return s
}

func TestDistanceClosedFormCommuting(t *testing.T) {
	m1 := []float64{0, 1, -2, 0.5}
	m2 := []float64{1, 1, 0, -0.5}
	v1 := []float64{1, 4, 0.25, 9}
	v2 := []float64{2, 1, 0.25, 1}
	// By hand: means |Δμ|² = 1 + 0 + 4 + 1 = 6; per dimension
	// σ1+σ2-2√(σ1σ2): 3-2√2, 5-4, 0.5-0.5, 10-6, so the total is
	// 6 + (3-2√2) + 1 + 0 + 4 = 14 - 2√2.
	want := 14 - 2*math.Sqrt2
	if got := closedFormDiag(m1, v1, m2, v2); math.Abs(got-want) > 1e-12 {
		t.Fatalf("closed form helper = %v, hand value %v", got, want)
	}

	q := randomOrthogonal(rand.New(rand.NewPCG(1, 2)), 4)
	cases := []struct {
		name string
		a, b Stats
	}{
		{"diagonal", diagStats(m1, v1), diagStats(m2, v2)},
		{"rotated", Stats{Mean: m1, Cov: rotate(q, v1), N: 2}, Stats{Mean: m2, Cov: rotate(q, v2), N: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Distance(c.a, c.b, 0)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("Distance = %.12f, want %.12f", got, want)
			}
			for _, m := range []sqrtMethod{sqrtCholesky, sqrtEigen} {
				tr, ok := traceSqrtProduct(c.a.Cov, c.b.Cov, 0, m)
				// Tr((Σ1Σ2)^½) = Σ √(σ1σ2) = √2 + 2 + 0.25 + 3.
				wantTr := math.Sqrt2 + 5.25
				if !ok || math.Abs(tr-wantTr) > 1e-9 {
					t.Errorf("method %d: trace = %v (ok %v), want %v", m, tr, ok, wantTr)
				}
			}
		})
	}
}

func TestDistanceNonCommuting2x2(t *testing.T) {
	// For 2×2 M with non-negative eigenvalues λ1, λ2:
	// (√λ1 + √λ2)² = tr M + 2√det M, so Tr(M^½) = √(tr M + 2√det M).
	a := mat.NewSymDense(2, []float64{2, 1, 1, 3})
	b := mat.NewSymDense(2, []float64{1, -0.5, -0.5, 4})
	// AB = [2-0.5, -1+4; 1-1.5, -0.5+12] = [1.5, 3; -0.5, 11.5]:
	// tr = 13, det = 1.5·11.5 + 1.5 = 18.75 (= det A · det B = 5 · 3.75).
	wantTr := math.Sqrt(13 + 2*math.Sqrt(18.75))
	for _, m := range []sqrtMethod{sqrtAuto, sqrtCholesky, sqrtEigen} {
		tr, ok := traceSqrtProduct(a, b, 0, m)
		if !ok || math.Abs(tr-wantTr) > 1e-12 {
			t.Errorf("method %d: trace = %v (ok %v), want %v", m, tr, ok, wantTr)
		}
	}
	// FD with equal means: tr A + tr B - 2 Tr((AB)^½) = 5 + 5 - 2·wantTr.
	got, err := Distance(Stats{Mean: []float64{0, 0}, Cov: a}, Stats{Mean: []float64{0, 0}, Cov: b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 10 - 2*wantTr; math.Abs(got-want) > 1e-12 {
		t.Errorf("Distance = %v, want %v", got, want)
	}
}

func TestDistanceSingular(t *testing.T) {
	// A = diag(1, 0) is singular: Cholesky must refuse it and the automatic
	// route fall back to the eigen route. FD(A, A) = 1 + 1 - 2·1 = 0, and
	// FD(A, diag(4, 9)) = (1 + 13) - 2·(√(1·4) + √(0·9)) = 10.
	a := diagStats([]float64{0, 0}, []float64{1, 0})
	if _, ok := traceSqrtProduct(a.Cov, a.Cov, 0, sqrtCholesky); ok {
		t.Error("cholesky route accepted a singular covariance")
	}
	for _, c := range []struct {
		b    Stats
		want float64
	}{
		{a, 0},
		{diagStats([]float64{0, 0}, []float64{4, 9}), 10},
	} {
		got, err := Distance(a, c.b, 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Distance = %v, want %v", got, c.want)
		}
	}
}

func TestTraceSqrtOffset(t *testing.T) {
	// With offset e the trace is Σ √((σ1+e)(σ2+e)): here
	// √(1.5·0.5) + √(2.5·3.5) for σ1 = (1, 2), σ2 = (0, 3), e = 0.5.
	a := diagStats([]float64{0, 0}, []float64{1, 2})
	b := diagStats([]float64{0, 0}, []float64{0, 3})
	want := math.Sqrt(0.75) + math.Sqrt(8.75)
	tr, ok := traceSqrtProduct(a.Cov, b.Cov, 0.5, sqrtAuto)
	if !ok || math.Abs(tr-want) > 1e-12 {
		t.Errorf("trace with offset = %v (ok %v), want %v", tr, ok, want)
	}
	if a.Cov.At(0, 0) != 1 || b.Cov.At(0, 0) != 0 {
		t.Error("offset modified its inputs")
	}
}

func TestDistanceErrors(t *testing.T) {
	a := diagStats([]float64{0, 0}, []float64{1, 2})
	b := diagStats([]float64{0, 0, 0}, []float64{1, 2, 3})
	if _, err := Distance(a, b, 0); err == nil {
		t.Error("widths 2 and 3: no error")
	}
	if _, err := Distance(a, Stats{}, 0); err == nil {
		t.Error("empty statistics: no error")
	}
	nan := diagStats([]float64{math.NaN(), 0}, []float64{1, 2})
	if _, err := Distance(a, nan, 0); err == nil {
		t.Error("NaN mean: no error")
	}
}

func TestTraceSqrtRoutesAgree(t *testing.T) {
	// Random non-commuting 60×60 covariances, well and badly conditioned:
	// both symmetrisations must give the same trace (the eigenvalues of
	// Lᵀ B L and A^½ B A^½ are both those of A·B).
	r := rand.New(rand.NewPCG(11, 12))
	d := 60
	for _, spread := range []float64{1, 1e-6} {
		va, vb := make([]float64, d), make([]float64, d)
		for i := range d {
			va[i] = spread + r.Float64()*float64(i)
			vb[i] = 0.5 + r.Float64()
		}
		a, b := rotate(randomOrthogonal(r, d), va), rotate(randomOrthogonal(r, d), vb)
		chol, ok1 := traceSqrtProduct(a, b, 0, sqrtCholesky)
		eig, ok2 := traceSqrtProduct(a, b, 0, sqrtEigen)
		if !ok1 || !ok2 || math.Abs(chol-eig) > 1e-9*math.Abs(eig) {
			t.Errorf("smallest variance %g: cholesky %v (ok %v), eigen %v (ok %v)", spread, chol, ok1, eig, ok2)
		}
	}
}
