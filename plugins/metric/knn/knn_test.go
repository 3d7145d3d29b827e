package knn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

func TestClassifyByHand(t *testing.T) {
	// Test point (1, 0.1), |t| = 1.004988. Cosine similarities:
	// (1,0) label 0: 1/1.004988 = 0.995037
	// (0,1) label 1: 0.1/1.004988 = 0.099504
	// (1,1) label 1: 1.1/(1.004988·√2) = 0.773957
	// (-1,0) label 0: -0.995037
	// k = 3 keeps the first three. With τ = 1, label 0 gets e^0.995 = 2.705
	// and label 1 gets e^0.774 + e^0.0995 = 2.168 + 1.105 = 3.273: label 1.
	// With τ = 0.07, label 0 gets e^14.21 ≈ 1.5e6 against
	// e^11.06 + e^1.42 ≈ 6.3e4 for label 1: label 0. With k = 1: label 0.
	train := mat.NewDense(4, 2, []float64{1, 0, 0, 1, 1, 1, -1, 0})
	labels := []int{0, 1, 1, 0}
	test := mat.NewDense(1, 2, []float64{1, 0.1})
	for _, c := range []struct {
		k    int
		tau  float64
		want int
	}{{3, 1, 1}, {3, 0.07, 0}, {1, 1, 0}, {4, 1, 1}} {
		got, err := Classify(context.Background(), train, labels, test, c.k, c.tau)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != c.want {
			t.Errorf("k=%d τ=%v: predicted %d, want %d", c.k, c.tau, got[0], c.want)
		}
	}
}

func TestTopKTies(t *testing.T) {
	top := newTopK(3)
	for i, v := range []float64{0.5, 0.9, 0.5, 0.1, 0.9, 0.5} {
		top.offer(v, i)
	}
	// Largest first; equal values keep the lower index first.
	want := [][2]float64{{0.9, 1}, {0.9, 4}, {0.5, 0}}
	for n, w := range want {
		v, i := top.at(n)
		if v != w[0] || i != int(w[1]) {
			t.Errorf("entry %d = (%v, %d), want (%v, %v)", n, v, i, w[0], w[1])
		}
	}
}

// clusters returns n labelled samples of random classes: centres[c] plus
// unit Gaussian noise.
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

// centres draws one N(0, spread²) centre per class.
func centres(r *rand.Rand, classes, d int, spread float64) [][]float64 {
	out := make([][]float64, classes)
	for c := range out {
		out[c] = make([]float64, d)
		for j := range out[c] {
			out[c][j] = spread * r.NormFloat64()
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
	r := rand.New(rand.NewPCG(1, 2))
	cs := centres(r, 10, 32, 2)
	train, test := clusters(r, cs, 3000), clusters(r, cs, 2000)
	in := map[string]*core.Batch{core.InputTrainFeatures: train, core.InputTestFeatures: test}
	out, err := New().Compute(context.Background(), resolved(t, nil), in)
	if err != nil {
		t.Fatal(err)
	}
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
	out, err = New().Compute(context.Background(), resolved(t, nil), in)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(out["top1"]-0.1) > 0.04 {
		t.Errorf("shuffled labels: top1 = %v, want 0.1 ± 0.04", out["top1"])
	}
}

func TestBadInputs(t *testing.T) {
	unlabelled := core.NewBatch(4, 3, 1, 1)
	labelled := core.NewBatch(4, 3, 1, 1)
	labelled.Labels = []int32{0, 1, 0, 1}
	negative := labelled.Clone()
	negative.Labels[2] = -1
	for name, in := range map[string]map[string]*core.Batch{
		"no labels":      {core.InputTrainFeatures: unlabelled, core.InputTestFeatures: labelled},
		"negative label": {core.InputTrainFeatures: negative, core.InputTestFeatures: labelled},
		"missing test":   {core.InputTrainFeatures: labelled},
	} {
		_, err := New().Compute(context.Background(), resolved(t, nil), in)
		if !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

// BenchmarkKNN50000x10000x512: a CIFAR-sized evaluation, 50,000 train and
// 10,000 test 512-d features.
func BenchmarkKNN50000x10000x512(b *testing.B) {
	benchKNN(b, 50000, 10000)
}

// BenchmarkKNN10000x2000x512 is a smaller evaluation, for profiling.
func BenchmarkKNN10000x2000x512(b *testing.B) { benchKNN(b, 10000, 2000) }

func benchKNN(b *testing.B, nTrain, nTest int) {
	r := rand.New(rand.NewPCG(3, 4))
	cs := centres(r, 10, 512, 0.3)
	in := map[string]*core.Batch{
		core.InputTrainFeatures: clusters(r, cs, nTrain), core.InputTestFeatures: clusters(r, cs, nTest)}
	cfg := resolved(b, nil)
	for b.Loop() {
		if _, err := New().Compute(context.Background(), cfg, in); err != nil {
			b.Fatal(err)
		}
	}
}
