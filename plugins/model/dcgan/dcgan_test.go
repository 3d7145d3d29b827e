package dcgan

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"width": 8}})
}

func TestConformanceConditional(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{
		"width": 8, "classes": 2, "channels": 3, "size": 32, "spectral_norm": true,
	}})
}

// train runs steps D+G steps of a small model from seed and returns it.
func train(t *testing.T, cfg core.Config, seed int64, steps int) *Model {
	t.Helper()
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, cfg, seed); err != nil {
		t.Fatal(err)
	}
	real, neg := testBatches(6)
	if cfg["classes"] != nil {
		real.Labels = []int32{0, 1, 2, 0, 1, 2}
		neg.Labels = real.Labels
	}
	for s := range steps {
		step(t, m, int64(s), real, neg)
	}
	return m
}

func step(t *testing.T, m *Model, s int64, real, neg *core.Batch) (core.StepResult, core.StepResult) {
	t.Helper()
	ctx := context.Background()
	d, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: s, Lambda: 0.5,
		Real: real, Negatives: neg})
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: s, Real: real})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []core.StepResult{d, g} {
		for k, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("step %d: %s = %v", s, k, v)
			}
		}
	}
	return d, g
}

func save(t *testing.T, m *Model) []byte {
	t.Helper()
	b, err := m.Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSameSeedSameResult(t *testing.T) {
	cfg := core.Config{"width": 8, "classes": 3, "spectral_norm": true}
	a, b := save(t, train(t, cfg, 11, 3)), save(t, train(t, cfg, 11, 3))
	if !bytes.Equal(a, b) {
		t.Fatal("two runs from one seed made different checkpoints")
	}
	if c := save(t, train(t, cfg, 12, 3)); bytes.Equal(a, c) {
		t.Fatal("different seeds made the same checkpoint")
	}
}

// TestCheckpointResumes checks that a model loaded from a checkpoint
// continues exactly as the one that saved it.
func TestCheckpointResumes(t *testing.T) {
	cfg := core.Config{"width": 8, "spectral_norm": true, "ema_decay": 0.9}
	ctx := context.Background()
	m := train(t, cfg, 5, 2)
	ckpt := save(t, m)

	fresh := New()
	if err := fresh.Init(ctx, cfg, 99); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Load(ctx, ckpt); err != nil {
		t.Fatal(err)
	}
	real, neg := testBatches(6)
	d1, g1 := step(t, m, 2, real, neg)
	d2, g2 := step(t, fresh, 2, real, neg)
	if d1["loss_d"] != d2["loss_d"] || g1["loss_g"] != g2["loss_g"] {
		t.Fatalf("resumed step differs: %v %v vs %v %v", d1, g1, d2, g2)
	}
	if !bytes.Equal(save(t, m), save(t, fresh)) {
		t.Fatal("checkpoints differ after one more step")
	}

	// EMA samples come from the averaged weights, so they differ from the
	// live ones.
	live, err := m.Generate(ctx, core.GenerateRequest{N: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	avg, err := m.Generate(ctx, core.GenerateRequest{N: 3, Seed: 1, EMA: true})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(f32bytes(live.Data), f32bytes(avg.Data)) {
		t.Fatal("EMA samples equal the live ones")
	}
}

func TestLoadRefusesOtherArchitecture(t *testing.T) {
	ckpt := save(t, train(t, core.Config{"width": 8}, 1, 0))
	other := New()
	if err := other.Init(context.Background(), core.Config{"width": 16}, 1); err != nil {
		t.Fatal(err)
	}
	err := other.Load(context.Background(), ckpt)
	if !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("load of a width-8 checkpoint into width 16: %v, want failed precondition", err)
	}
}

func TestGeneratorLearnsToFoolD(t *testing.T) {
	// A few steps against a fixed real batch must move D's losses: a sanity
	// check that both updates run and have the right sign.
	m := train(t, core.Config{"width": 8, "ema_decay": 0.0}, 3, 0)
	real, neg := testBatches(6)
	first, _ := step(t, m, 0, real, neg)
	var last core.StepResult
	for s := int64(1); s < 30; s++ {
		last, _ = step(t, m, s, real, neg)
	}
	if !(last["d_real"] > first["d_real"]) || !(last["loss_d"] < first["loss_d"]) {
		t.Fatalf("D did not learn: first %v, last %v", first, last)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	m := New()
	if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD}); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("step before init: %v", err)
	}
	if err := m.Init(ctx, core.Config{"channels": 2}, 1); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("init with 2 channels: %v", err)
	}
	if err := m.Init(ctx, core.Config{"width": 8, "classes": 2}, 1); err != nil {
		t.Fatal(err)
	}
	real, _ := testBatches(2)
	cases := []struct {
		name string
		req  core.StepRequest
	}{
		{"no phase", core.StepRequest{Real: real}},
		{"no real", core.StepRequest{Phase: core.PhaseD}},
		{"wrong shape", core.StepRequest{Phase: core.PhaseD, Real: core.NewBatch(2, 3, 28, 28)}},
		{"no labels", core.StepRequest{Phase: core.PhaseD, Real: real}},
		{"label out of range", core.StepRequest{Phase: core.PhaseD,
			Real: &core.Batch{Shape: real.Shape, Data: real.Data, Labels: []int32{0, 2}}}},
	}
	for _, tc := range cases {
		if _, err := m.Step(ctx, tc.req); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: %v, want invalid argument", tc.name, err)
		}
	}
}

func f32bytes(s []float32) []byte {
	out := make([]byte, 0, 4*len(s))
	for _, v := range s {
		b := math.Float32bits(v)
		out = append(out, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
	}
	return out
}
