package mixup

import (
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"alpha": 0.5, "pairing": "permutation"})
}

// recoverLambda finds λ and image 0's partner from a mixup output, solving
// out = λ·x0 + (1-λ)·xp at the pixel where x0 and xp differ most.
func recoverLambda(in, out *core.Batch) (float64, bool) {
	x0, o := in.Sample(0), out.Sample(0)
	for p := 1; p < in.N(); p++ {
		xp := in.Sample(p)
		best := 0
		for k := range x0 {
			if math.Abs(float64(x0[k]-xp[k])) > math.Abs(float64(x0[best]-xp[best])) {
				best = k
			}
		}
		lam := float64(o[best]-xp[best]) / float64(x0[best]-xp[best])
		ok := true
		for k := range x0 {
			want := lam*float64(x0[k]) + (1-lam)*float64(xp[k])
			if math.Abs(float64(o[k])-want) > 1e-4 {
				ok = false
				break
			}
		}
		if ok {
			return lam, true
		}
	}
	return 0, false
}

func TestLambdaStatistics(t *testing.T) {
	const n = 3000
	tests := []struct{ alpha float64 }{{25}, {1}}
	in := augtest.Noise(1, 4, 1, 4, 4)
	for _, tt := range tests {
		var s, s2 float64
		for step := range n {
			req := core.AugmentRequest{Config: core.Config{"alpha": tt.alpha}, Seed: 5,
				Step: int64(step)}
			lam, ok := recoverLambda(in, augtest.Apply(t, New(), req, in))
			if !ok {
				t.Fatalf("step %d: output is not a blend of image 0 and another image", step)
			}
			s += lam
			s2 += lam * lam
		}
		mean, variance := s/n, s2/n-(s/n)*(s/n)
		a := tt.alpha
		wantVar := a * a / (4 * a * a * (2*a + 1))
		// 5 standard errors; the variance's uses kurtosis ≤ 3 (Beta(25,25)
		// is near-normal, Beta(1,1) has kurtosis 1.8).
		meanTol, varTol := 5*math.Sqrt(wantVar/n), 5*wantVar*math.Sqrt(2.0/n)
		if math.Abs(mean-0.5) > meanTol || math.Abs(variance-wantVar) > varTol {
			t.Errorf("alpha %v: λ mean %.4f var %.5f, want 0.5 ± %.4f, %.5f ± %.5f",
				a, mean, variance, meanTol, wantVar, varTol)
		}
		t.Logf("alpha %v: λ mean %.4f var %.5f over %d batches (Beta: 0.5, %.5f)", a, mean,
			variance, n, wantVar)
	}
}

func TestNeverUnchanged(t *testing.T) {
	in := augtest.Noise(1, 16, 3, 8, 8)
	for s := range 200 {
		out := augtest.Apply(t, New(), core.AugmentRequest{Step: int64(s)}, in)
		if n := augtest.Unchanged(in, out); n != 0 {
			t.Fatalf("step %d: %d images unchanged", s, n)
		}
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
