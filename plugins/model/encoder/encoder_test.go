package encoder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/core/objective"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"width": 2, "proj_dim": 4}})
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func rows(s []float32, d int) [][]float64 {
	var out [][]float64
	for i := 0; i < len(s); i += d {
		row := make([]float64, d)
		for j := range row {
			row[j] = float64(s[i+j])
		}
		out = append(out, row)
	}
	return out
}

// TestLossIsInfoNCE holds a step's loss to core/objective's reference
// function on the projections it saw: the anchors and keys from the views,
// each anchor's own negatives and, with moco, the key encoder's
// projections and the queue as it stood before the step.
func TestLossIsInfoNCE(t *testing.T) {
	ctx := context.Background()
	const n, per, d, tau = 4, 2, 4, 0.5
	for _, moco := range []bool{false, true} {
		m := New()
		cfg := core.Config{"width": 2, "size": 8, "proj_dim": d, "temperature": tau,
			"moco": moco, "queue_size": 6, "momentum": 0.9}
		if err := m.Init(ctx, cfg, 3); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		v0, v1, negs := randSlice(r, n*64), randSlice(r, n*64), randSlice(r, n*per*64)

		// What the step will see: the key encoder moves first.
		keyNet := m.query
		var queue [][]float64
		if moco {
			if err := objective.MomentumUpdate(m.key.net.Params, m.query.net.Params,
				0.9); err != nil {
				t.Fatal(err)
			}
			keyNet = m.key
			queue = rows(m.queue.Float32s(), d)
		}
		q := rows(m.query.project(n, v0), d)
		k := rows(keyNet.project(n, v1), d)
		neg := rows(keyNet.project(n*per, negs), d)
		want := objective.InfoNCEPlain(q, k, neg, queue, tau)
		if moco {
			// Undo the update, so that the step makes it once.
			if err := m.Init(ctx, cfg, 3); err != nil {
				t.Fatal(err)
			}
		}

		res, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain,
			Views: []*core.Batch{batch(n, v0), batch(n, v1)}, Negatives: batch(n*per, negs)})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res["loss"]-want) > 1e-5 {
			t.Errorf("moco=%v: step loss %.9g, objective.InfoNCEPlain %.9g", moco, res["loss"], want)
		}
	}
}

func batch(n int, data []float32) *core.Batch {
	return &core.Batch{Shape: [4]int{n, 1, 8, 8}, Data: data}
}

// Finite differences on float32 weights, step 1e-4, relative tolerance
// 2e-3: it flags any wrong term, which shows as an O(1) error. Through the
// network gradients reach ~20, and its curvature makes wider central
// differences drift by several 1e-3 (they converge on the analytic value as
// the step shrinks); float32 rounding then costs about 5e-4.
const (
	fdStep = 1e-4
	fdTol  = 2e-3
)

func checkGrad(t *testing.T, name string, param, grad []float32, loss func() float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(len(param)), 3))
	for range min(25, len(param)) {
		i := r.IntN(len(param))
		old := param[i]
		param[i] = old + fdStep
		up := loss()
		param[i] = old - fdStep
		down := loss()
		param[i] = old
		fd := (up - down) / float64(2*fdStep)
		if math.Abs(fd-float64(grad[i])) > fdTol*math.Max(1, math.Abs(fd)) {
			t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", name, i, grad[i], fd)
		}
	}
}

// TestModelGradients checks the whole encoder (convolutions, residual
// block, pooling, head, normalisation, InfoNCE) by finite differences on
// weights of each part, with and without a momentum encoder and queue.
func TestModelGradients(t *testing.T) {
	for _, moco := range []bool{false, true} {
		t.Run(map[bool]string{false: "one encoder", true: "moco"}[moco], func(t *testing.T) {
			checkModelGradients(t, moco)
		})
	}
}

func checkModelGradients(t *testing.T, moco bool) {
	ctx := context.Background()
	m := New()
	// momentum 1 freezes the key encoder, so that every probe sees the same.
	cfg := core.Config{"width": 2, "size": 8, "proj_dim": 4, "temperature": 1.0,
		"moco": moco, "momentum": 1.0, "queue_size": 5}
	if err := m.Init(ctx, cfg, 3); err != nil {
		t.Fatal(err)
	}

	// Differences across the network's thousands of ReLU kinks are not
	// derivatives; tanh in their place keeps the loss smooth while the
	// wiring under test stays the same (each activation's own derivative
	// is checked in core/backend/kernels).
	towers := []*tower{m.query}
	if moco {
		towers = append(towers, m.key)
	}
	for _, tw := range towers {
		for _, c := range []*nn.Conv{tw.stem, tw.down1, tw.down2, tw.res1} {
			c.WithAct(kernels.Tanh, 0)
		}
		tw.head1.WithAct(kernels.Tanh, 0)
		tw.resAct = kernels.Tanh
	}
	const n, per = 3, 1
	r := rand.New(rand.NewPCG(5, 6))
	v0, v1, negs := randSlice(r, n*64), randSlice(r, n*64), randSlice(r, n*per*64)

	// Each pass enqueues its keys; every probe starts from the same queue.
	var queue []float32
	if moco {
		queue = append([]float32(nil), m.queue.Float32s()...)
	}
	loss := func() float64 {
		if moco {
			copy(m.queue.Float32s(), queue)
		}
		l, _, err := m.lossAndGrads(v0, v1, negs, n)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	loss()

	// Copy every gradient first: each probe reruns the pass and leaves the
	// gradients of a perturbed point behind.
	grads := map[string][]float32{}
	for _, q := range m.query.net.Trainable() {
		grads[q.Name] = append([]float32(nil), q.G...)
	}
	for _, name := range []string{"stem.w", "down2.w", "res1.w", "res2.b", "head1.w", "head2.w"} {
		w := m.query.net.Params.Get(name).Value.Float32s()
		checkGrad(t, name, w, grads[name], loss)
	}
}

// TestLearnsInvariance trains on two noisy views of images drawn from a
// pool of random ones, NDA negatives being views of other images, and
// checks that the loss falls and that most positives come to score highest
// among the candidates (chance: 1% with the queue, 3% without). The pool is
// large enough that the queue seldom holds another view of an anchor, which
// no encoder could tell from its positive. With moco the loss is compared
// with that of the first step whose queue holds only real keys, since the
// random keys it starts with are easy negatives; a momentum encoder also
// wants a smaller learning rate on such a short run.
func TestLearnsInvariance(t *testing.T) {
	for _, cfg := range []core.Config{
		{"width": 8, "size": 12, "proj_dim": 16},
		{"width": 8, "size": 12, "proj_dim": 16, "moco": true, "momentum": 0.9, "queue_size": 64,
			"lr": 3e-4},
	} {
		t.Run(fmt.Sprintf("moco=%v", cfg["moco"] == true), func(t *testing.T) {
			learnsInvariance(t, cfg)
		})
	}
}

func learnsInvariance(t *testing.T, cfg core.Config) {
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, cfg, 1); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	const n, pool, size = 32, 2048, 144
	base := randSlice(r, pool*size)
	view := func(picks [n]int) *core.Batch {
		b := core.NewBatch(n, 1, 12, 12)
		for i, p := range picks {
			for j := range size {
				b.Data[i*size+j] = base[p*size+j] + 0.3*float32(r.NormFloat64())
			}
		}
		return b
	}
	var first, last core.StepResult
	for s := range 60 {
		var picks, others [n]int
		for i := range picks {
			picks[i], others[i] = r.IntN(pool), r.IntN(pool)
		}
		res, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain, Step: int64(s),
			Views: []*core.Batch{view(picks), view(picks)}, Negatives: view(others)})
		if err != nil {
			t.Fatal(err)
		}
		if s == 0 || (cfg["moco"] == true && s == 64/n) {
			first = res
		}
		last = res
	}
	t.Logf("first %v, last %v", first, last)
	if !(last["loss"] < first["loss"]-1) || last["accuracy"] < 0.5 {
		t.Fatalf("did not learn: first %v, last %v", first, last)
	}
}

// TestMoCoResume: a run saved after three steps and resumed for two more
// ends bit for bit where the uninterrupted run does, key encoder and queue
// included; the checkpoint is refused by an encoder without moco.
func TestMoCoResume(t *testing.T) {
	ctx := context.Background()
	cfg := core.Config{"width": 2, "size": 8, "proj_dim": 4, "moco": true, "queue_size": 8,
		"momentum": 0.5}
	r := rand.New(rand.NewPCG(9, 9))
	var steps []core.StepRequest
	for range 5 {
		steps = append(steps, core.StepRequest{Phase: core.PhaseTrain, Views: []*core.Batch{
			batch(3, randSlice(r, 3*64)), batch(3, randSlice(r, 3*64))},
			Negatives: batch(3, randSlice(r, 3*64))})
	}
	run := func(m *Model, reqs []core.StepRequest) []byte {
		for _, req := range reqs {
			if _, err := m.Step(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		out, err := m.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fresh := func(cfg core.Config) *Model {
		m := New()
		if err := m.Init(ctx, cfg, 2); err != nil {
			t.Fatal(err)
		}
		return m
	}

	whole := run(fresh(cfg), steps)
	resumed := fresh(cfg)
	if err := resumed.Load(ctx, run(fresh(cfg), steps[:3])); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(run(resumed, steps[3:]), whole) {
		t.Fatal("resumed run ends in another state than the uninterrupted one")
	}

	plain := fresh(core.Config{"width": 2, "size": 8, "proj_dim": 4})
	if err := plain.Load(ctx, whole); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("moco checkpoint into an encoder without moco: %v", err)
	}

	small := fresh(core.Config{"width": 2, "size": 8, "proj_dim": 4, "moco": true,
		"queue_size": 2})
	if _, err := small.Step(ctx, steps[0]); !errors.Is(err, core.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "queue_size") {
		t.Fatalf("3 keys into a queue of 2: %v", err)
	}
}

func TestCheckpointAndSeed(t *testing.T) {
	ctx := context.Background()
	cfg := core.Config{"width": 2, "size": 8, "proj_dim": 4}
	run := func(seed int64) []byte {
		m := New()
		if err := m.Init(ctx, cfg, seed); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 1))
		b := &core.Batch{Shape: [4]int{4, 1, 8, 8}, Data: randSlice(r, 256)}
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain,
			Views: []*core.Batch{b, b.Clone()}}); err != nil {
			t.Fatal(err)
		}
		out, err := m.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a := run(4)
	if !bytes.Equal(a, run(4)) {
		t.Fatal("same seed, different checkpoints")
	}
	other := New()
	if err := other.Init(ctx, core.Config{"width": 3, "size": 8}, 1); err != nil {
		t.Fatal(err)
	}
	if err := other.Load(ctx, a); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("load into another architecture: %v", err)
	}
	if _, err := other.Step(ctx, core.StepRequest{Phase: core.PhaseTrain}); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("step without views: %v", err)
	}
}
