package draw

import (
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// moments returns the sample mean and variance of n draws.
func moments(n int, f func() float64) (mean, variance float64) {
	var s, s2 float64
	for range n {
		x := f()
		s += x
		s2 += x * x
	}
	mean = s / float64(n)
	return mean, s2/float64(n) - mean*mean
}

func TestBetaMoments(t *testing.T) {
	const n = 40000
	tests := []struct {
		a, b float64
	}{{25, 25}, {1, 1}, {0.5, 2}, {2, 5}}
	for _, tt := range tests {
		r := core.NewRand(1, "draw-test", 0, "beta")
		mean, variance := moments(n, func() float64 { return Beta(r, tt.a, tt.b) })
		s := tt.a + tt.b
		wantMean := tt.a / s
		wantVar := tt.a * tt.b / (s * s * (s + 1))
		// Tolerances: 5 standard errors. The sample variance's standard
		// error is σ²·sqrt((kurtosis-1)/n), with Beta's exact kurtosis.
		ab := tt.a * tt.b
		excess := 6 * ((tt.a-tt.b)*(tt.a-tt.b)*(s+1) - ab*(s+2)) / (ab * (s + 2) * (s + 3))
		meanTol := 5 * math.Sqrt(wantVar/n)
		varTol := 5 * wantVar * math.Sqrt((excess+2)/n)
		if math.Abs(mean-wantMean) > meanTol || math.Abs(variance-wantVar) > varTol {
			t.Errorf("Beta(%v,%v): mean %.5f var %.6f, want %.5f±%.5f, %.6f±%.6f",
				tt.a, tt.b, mean, variance, wantMean, meanTol, wantVar, varTol)
		}
	}
}

func TestGammaMean(t *testing.T) {
	const n = 40000
	for _, shape := range []float64{0.3, 1, 4.5, 25} {
		r := core.NewRand(2, "draw-test", 0, "gamma")
		mean, variance := moments(n, func() float64 { return Gamma(r, shape) })
		// Gamma(k, 1) has mean and variance k.
		tol := 5 * math.Sqrt(shape/n)
		if math.Abs(mean-shape) > tol || math.Abs(variance-shape) > 0.1*shape {
			t.Errorf("Gamma(%v): mean %.4f var %.4f, want %v", shape, mean, variance, shape)
		}
	}
}

func TestPermutations(t *testing.T) {
	r := core.NewRand(3, "draw-test", 0, "perm")
	counts := map[[4]int]int{}
	const n = 23000
	for range n {
		p := NonIdentityPerm(r, 4)
		counts[[4]int(p)]++
	}
	if len(counts) != 23 || counts[[4]int{0, 1, 2, 3}] != 0 {
		t.Fatalf("%d distinct permutations (identity %d times), want the 23 non-identity ones",
			len(counts), counts[[4]int{0, 1, 2, 3}])
	}
	for p, c := range counts {
		if math.Abs(float64(c)-1000) > 5*math.Sqrt(1000) {
			t.Errorf("permutation %v drawn %d times of %d, want about 1000", p, c, n)
		}
	}
	for range 1000 {
		for i, v := range Derangement(r, 5) {
			if i == v {
				t.Fatal("derangement with a fixed point")
			}
		}
	}
	if p := Partners(r, 1, PairDerangement); len(p) != 1 || p[0] != 0 {
		t.Fatalf("a batch of one pairs with %v, want itself", p)
	}
}

func TestCutMixBox(t *testing.T) {
	r := core.NewRand(4, "draw-test", 0, "box")
	for range 1000 {
		lam := r.Float64()
		b := CutMixBox(r, 32, 32, lam)
		if b.Y0 < 0 || b.Y1 > 32 || b.X0 < 0 || b.X1 > 32 || b.Y0 > b.Y1 || b.X0 > b.X1 {
			t.Fatalf("box %+v outside 32×32", b)
		}
		if float64(b.Area()) > (1-lam)*1024+2*32+1 {
			t.Fatalf("box %+v of area %d for lambda %.3f", b, b.Area(), lam)
		}
	}
}
