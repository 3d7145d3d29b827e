package cutmix

import (
	"context"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"alpha": 2, "pairing": "permutation"})
}

func TestLambdaStatistics(t *testing.T) {
	// λ ~ Beta(1, 1): mean 1/2, variance 1/12, drawn from the same keyed
	// stream Apply uses.
	const n = 20000
	desc, _ := New().Describe(context.Background())
	var s, s2 float64
	for step := range n {
		req := core.AugmentRequest{Seed: 5, Step: int64(step)}
		lam, _ := drawBox(request.Rand(desc, req, "box"), 32, 32, 1)
		s += lam
		s2 += lam * lam
	}
	mean, variance := s/n, s2/n-(s/n)*(s/n)
	// 5 standard errors; a uniform's kurtosis is 1.8.
	meanTol, varTol := 5*math.Sqrt(1.0/12/n), 5.0/12*math.Sqrt(0.8/n)
	if math.Abs(mean-0.5) > meanTol || math.Abs(variance-1.0/12) > varTol {
		t.Fatalf("λ mean %.4f var %.5f, want 0.5 ± %.4f, %.5f ± %.5f", mean, variance, meanTol,
			1.0/12, varTol)
	}
	t.Logf("λ mean %.4f var %.5f over %d batches (Beta(1,1): 0.5, 0.08333)", mean, variance, n)
}

// changedBox returns the bounding box of the pixels where a and b differ,
// and how many differ.
func changedBox(a, b []float32, h, w int) (y0, y1, x0, x1, n int) {
	y0, x0 = h, w
	for j := range a {
		if a[j] != b[j] {
			y, x := (j/w)%h, j%w
			y0, y1, x0, x1 = min(y0, y), max(y1, y+1), min(x0, x), max(x1, x+1)
			n++
		}
	}
	return
}

func TestOneBoxFromPartner(t *testing.T) {
	in := augtest.Noise(1, 8, 3, 32, 32)
	unchanged := 0
	const steps = 2000
	for s := range steps {
		out := augtest.Apply(t, New(), core.AugmentRequest{Step: int64(s)}, in)
		var box [4]int
		for i := range in.N() {
			y0, y1, x0, x1, n := changedBox(in.Sample(i), out.Sample(i), 32, 32)
			if n == 0 {
				unchanged++
				continue
			}
			if n != 3*(y1-y0)*(x1-x0) {
				t.Fatalf("step %d image %d: %d changed values do not fill a box", s, i, n)
			}
			if i > 0 && box != [4]int{y0, y1, x0, x1} && box != [4]int{} {
				t.Fatalf("step %d: image %d has box %v, image 0 %v", s, i, [4]int{y0, y1, x0, x1},
					box)
			}
			box = [4]int{y0, y1, x0, x1}
		}
	}
	// CutMix's box is empty when 32·sqrt(1-λ) < 2, i.e. 1-λ < 1/256: the
	// whole batch is then returned as it came.
	f := float64(unchanged) / (steps * 8)
	p := 1.0 / 256
	if tol := 4 * math.Sqrt(p*(1-p)/steps); math.Abs(f-p) > tol {
		t.Fatalf("%.4f of images unchanged, want %.4f ± %.4f", f, p, tol)
	}
	t.Logf("%.4f of images unchanged over %d batches (CutMix's empty box: 1/256)", f, steps)
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
