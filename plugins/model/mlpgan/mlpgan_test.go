package mlpgan

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"hidden": 16},
		InputShape: [3]int{2, 1, 1}})
}

// ring returns n points of the 8-Gaussian mixture: modes on a circle of
// radius ringRadius, standard deviation modeStd, keyed by index.
func ring(n int, index int64) *core.Batch {
	r := core.NewRand(1, "test/ring", index, "points")
	b := core.NewBatch(n, 2, 1, 1)
	for i := range n {
		a := 2 * math.Pi * float64(r.IntN(modes)) / modes
		b.Data[2*i] = float32(ringRadius*math.Cos(a) + modeStd*r.NormFloat64())
		b.Data[2*i+1] = float32(ringRadius*math.Sin(a) + modeStd*r.NormFloat64())
	}
	return b
}

const (
	modes      = 8
	ringRadius = 2.0
	modeStd    = 0.05
)

func trainRing(t *testing.T, cfg core.Config, seed int64, steps int) *Model {
	t.Helper()
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, cfg, seed); err != nil {
		t.Fatal(err)
	}
	for s := range steps {
		real := ring(256, int64(s))
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: int64(s), Real: real}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: int64(s), Real: real}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestLearnsRingOfGaussians trains on the 8-mode ring with each loss and
// checks the samples' moments and that every mode receives samples.
func TestLearnsRingOfGaussians(t *testing.T) {
	for _, loss := range []string{"hinge", "nonsaturating"} {
		t.Run(loss, func(t *testing.T) { testLearnsRing(t, core.Config{"loss": loss}) })
	}
}

func testLearnsRing(t *testing.T, cfg core.Config) {
	const steps = 600
	m := trainRing(t, cfg, 1, steps)
	out, err := m.Generate(context.Background(), core.GenerateRequest{N: 2000, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}

	var mx, my, mr float64
	counts := make([]int, modes)
	near := 0
	for i := range out.N() {
		x, y := float64(out.Data[2*i]), float64(out.Data[2*i+1])
		mx += x / float64(out.N())
		my += y / float64(out.N())
		mr += math.Hypot(x, y) / float64(out.N())

		// Nearest mode, counted when within 0.5 (10 standard deviations
		// of a mode, a quarter of the gap between neighbouring modes).
		k := int(math.Round(math.Atan2(y, x)/(2*math.Pi/modes)+modes)) % modes
		a := 2 * math.Pi * float64(k) / modes
		if math.Hypot(x-ringRadius*math.Cos(a), y-ringRadius*math.Sin(a)) < 0.5 {
			counts[k]++
			near++
		}
	}
	t.Logf("after %d steps: mean (%.3f, %.3f), mean radius %.3f, near a mode %d/%d, per mode %v",
		steps, mx, my, mr, near, out.N(), counts)
	if math.Hypot(mx, my) > 0.3 {
		t.Errorf("sample mean (%.3f, %.3f), want within 0.3 of the origin", mx, my)
	}
	if math.Abs(mr-ringRadius) > 0.3 {
		t.Errorf("mean radius %.3f, want %.1f ± 0.3", mr, ringRadius)
	}
	if near < out.N()/2 {
		t.Errorf("%d of %d samples within 0.5 of a mode, want at least half", near, out.N())
	}
	for k, c := range counts {
		// A fair share is 250; 2% of samples (40) marks a covered mode.
		if c < out.N()/50 {
			t.Errorf("mode %d has %d samples, want at least %d (all counts %v)", k, c, out.N()/50, counts)
		}
	}
}

func TestSameSeedSameResult(t *testing.T) {
	save := func(m *Model) []byte {
		b, err := m.Save(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := save(trainRing(t, core.Config{}, 3, 5)), save(trainRing(t, core.Config{}, 3, 5))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different checkpoints")
	}
	fresh := New()
	if err := fresh.Init(context.Background(), core.Config{}, 4); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Load(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(save(fresh), a) {
		t.Fatal("checkpoint round trip changed the model")
	}
}
