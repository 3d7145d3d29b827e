package linearprobe

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

func TestLossGradFiniteDifferences(t *testing.T) {
	// Central differences with h = 1e-6 on a 7-sample, 5-feature, 3-class
	// problem; the analytic gradient must agree to 1e-7 absolute.
	r := rand.New(rand.NewPCG(1, 2))
	m, d, c := 7, 5, 3
	x := mat.NewDense(m, d, nil)
	for i := range m {
		for j := range d {
			x.Set(i, j, r.NormFloat64())
		}
	}
	y := []int{0, 2, 1, 1, 0, 2, 2}
	w := mat.NewDense(c, d, nil)
	for i := range c {
		for j := range d {
			w.Set(i, j, r.NormFloat64())
		}
	}
	b := []float64{0.3, -0.2, 0.1}
	const wd, h, tol = 0.05, 1e-6, 1e-7
	_, gw, gb := lossGrad(w, b, x, y, wd)

	loss := func() float64 {
		l, _, _ := lossGrad(w, b, x, y, wd)
		return l
	}
	for i := range c {
		for j := range d {
			orig := w.At(i, j)
			w.Set(i, j, orig+h)
			up := loss()
			w.Set(i, j, orig-h)
			down := loss()
			w.Set(i, j, orig)
			if num := (up - down) / (2 * h); math.Abs(num-gw.At(i, j)) > tol {
				t.Errorf("dL/dW[%d,%d] = %v, finite difference %v", i, j, gw.At(i, j), num)
			}
		}
	}
	for j := range c {
		orig := b[j]
		b[j] = orig + h
		up := loss()
		b[j] = orig - h
		down := loss()
		b[j] = orig
		if num := (up - down) / (2 * h); math.Abs(num-gb[j]) > tol {
			t.Errorf("dL/db[%d] = %v, finite difference %v", j, gb[j], num)
		}
	}
}

func TestLossByHand(t *testing.T) {
	// Zero weights: every class has probability 1/3, loss ln 3; with
	// wd = 2 and W = 0 the penalty is 0.
	x := mat.NewDense(2, 1, []float64{1, -1})
	w := mat.NewDense(3, 1, nil)
	l, _, gb := lossGrad(w, make([]float64, 3), x, []int{0, 0}, 2)
	if math.Abs(l-math.Log(3)) > 1e-12 {
		t.Errorf("loss = %v, want ln 3", l)
	}
	// dL/db = mean(P - Y) = (1/3 - 1, 1/3, 1/3).
	for c, want := range []float64{-2.0 / 3, 1.0 / 3, 1.0 / 3} {
		if math.Abs(gb[c]-want) > 1e-12 {
			t.Errorf("dL/db[%d] = %v, want %v", c, gb[c], want)
		}
	}
}

func clusters(r *rand.Rand, centres [][]float64, n int) *core.Batch {
	d := len(centres[0])
	b := core.NewBatch(n, d, 1, 1)
	b.Labels = make([]int32, n)
	for i := range n {
		c := r.IntN(len(centres))
		b.Labels[i] = int32(c)
		for j := range d {
			b.Data[i*d+j] = float32(centres[c][j] + r.NormFloat64())
		}
	}
	return b
}

func centres(r *rand.Rand, classes, d int, spread float64) [][]float64 {
	out := make([][]float64, classes)
	for c := range out {
		out[c] = make([]float64, d)
		for j := range out[c] {
			// An offset and scale per feature that standardisation removes.
			out[c][j] = spread*r.NormFloat64() + 5*float64(j%3)
		}
	}
	return out
}

func resolved(t testing.TB, cfg core.Config) core.Config {
	t.Helper()
	out, err := descriptor().Resolve(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSeparableAndShuffled(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cs := centres(r, 10, 32, 2)
	train, test := clusters(r, cs, 3000), clusters(r, cs, 2000)
	in := map[string]*core.Batch{core.InputTrainFeatures: train, core.InputTestFeatures: test}
	cfg := resolved(t, core.Config{"epochs": 10})
	out, err := New().Compute(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("separable: %v", out)
	if out["top1"] < 0.98 {
		t.Errorf("separable clusters: top1 = %v, want ≥ 0.98", out["top1"])
	}

	// Labels of both sets permuted, so they no longer depend on the
	// features. (Permuting only the train labels is not enough: with ten
	// clusters, the class each cluster's shuffled majority lands on is
	// itself a draw of ten, far noisier than the per-sample chance level.)
	// Chance is 1/10; 2000 test samples give a standard error of
	// √(0.1·0.9/2000) = 0.0067, so ±0.04 is six of them.
	for _, name := range []string{core.InputTrainFeatures, core.InputTestFeatures} {
		shuffled := in[name].Clone()
		r.Shuffle(len(shuffled.Labels), func(i, j int) {
			shuffled.Labels[i], shuffled.Labels[j] = shuffled.Labels[j], shuffled.Labels[i]
		})
		in[name] = shuffled
	}
	out, err = New().Compute(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shuffled: %v", out)
	if math.Abs(out["top1"]-0.1) > 0.04 {
		t.Errorf("shuffled labels: top1 = %v, want 0.1 ± 0.04", out["top1"])
	}
}

func TestFullBatch(t *testing.T) {
	// Full-batch gradient descent (batch ≥ N) on two separable 1-D classes
	// must reach 100 %; the two classes sit at ±3 with unit noise.
	r := rand.New(rand.NewPCG(5, 6))
	cs := [][]float64{{-3}, {3}}
	train, test := clusters(r, cs, 400), clusters(r, cs, 400)
	out, err := New().Compute(context.Background(), resolved(t, core.Config{"batch_size": 100000, "epochs": 200}),
		map[string]*core.Batch{core.InputTrainFeatures: train, core.InputTestFeatures: test})
	if err != nil {
		t.Fatal(err)
	}
	// Bayes error of ±3 with unit noise is Φ(-3) = 0.13 %.
	if out["top1"] < 0.99 {
		t.Errorf("top1 = %v, want ≥ 0.99", out["top1"])
	}
}

// BenchmarkProbe50000x512: default schedule on a CIFAR-sized train set of
// 512-d features, 10 classes.
func BenchmarkProbe50000x512(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	cs := centres(r, 10, 512, 0.2)
	in := map[string]*core.Batch{
		core.InputTrainFeatures: clusters(r, cs, 50000), core.InputTestFeatures: clusters(r, cs, 10000)}
	cfg := resolved(b, nil)
	for b.Loop() {
		if _, err := New().Compute(context.Background(), cfg, in); err != nil {
			b.Fatal(err)
		}
	}
}
