package encoder

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
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

// TestInfoNCEMatchesObjective compares the loss with core/objective's
// reference and its gradient with finite differences.
func TestInfoNCEMatchesObjective(t *testing.T) {
	const n, m, d, tau = 4, 2, 5, 0.5
	r := rand.New(rand.NewPCG(1, 2))
	u := randSlice(r, (2*n+n*m)*d)
	z := make([]float32, len(u))
	norms := make([]float64, 2*n+n*m)
	normalizeRows(u, z, norms, d)
	q, k, neg := z[:n*d], z[n*d:2*n*d], z[2*n*d:]

	grad := make([]float32, len(z))
	loss, _ := infoNCE(q, k, neg, n, m, d, tau, grad[:n*d], grad[n*d:2*n*d], grad[2*n*d:])
	want := objective.InfoNCEPlain(rows(q, d), rows(k, d), rows(neg, d), nil, tau)
	if math.Abs(loss-want) > 1e-6 {
		t.Fatalf("loss %.9g, objective.InfoNCEPlain %.9g", loss, want)
	}

	// Through the normalisation too: the gradient with respect to u.
	normalizeRowsBackward(z, grad, norms, d)
	lossOf := func() float64 {
		normalizeRows(u, z, norms, d)
		scratch := make([]float32, len(z))
		l, _ := infoNCE(z[:n*d], z[n*d:2*n*d], z[2*n*d:], n, m, d, tau,
			scratch[:n*d], scratch[n*d:2*n*d], scratch[2*n*d:])
		return l
	}
	checkGrad(t, "u", u, grad, lossOf)
}

// Finite differences on float32 inputs, relative tolerance 2e-3: it flags
// any wrong term, which shows as an O(1) error. The step is 1e-3 for the
// loss alone and 1e-4 through the network, whose gradients reach ~20 and
// whose curvature makes wider central differences drift by several 1e-3
// (they converge on the analytic value as the step shrinks); float32
// rounding then costs about 5e-4.
const fdTol = 2e-3

func checkGrad(t *testing.T, name string, param, grad []float32, loss func() float64) {
	t.Helper()
	checkGradStep(t, name, param, grad, loss, 1e-3)
}

func checkGradStep(t *testing.T, name string, param, grad []float32, loss func() float64,
	fdStep float32) {
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
// weights of each part.
func TestModelGradients(t *testing.T) {
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{"width": 2, "size": 8, "proj_dim": 4, "temperature": 1.0}, 3); err != nil {
		t.Fatal(err)
	}

	// Differences across the network's thousands of ReLU kinks are not
	// derivatives; tanh in their place keeps the loss smooth while the
	// wiring under test stays the same (each activation's own derivative
	// is checked in core/backend/kernels).
	for _, c := range []*nn.Conv{m.stem, m.down1, m.down2, m.res1} {
		c.WithAct(kernels.Tanh, 0)
	}
	m.head1.WithAct(kernels.Tanh, 0)
	m.resAct = kernels.Tanh
	const n, per = 3, 1
	r := rand.New(rand.NewPCG(5, 6))
	v0, v1, negs := randSlice(r, n*64), randSlice(r, n*64), randSlice(r, n*per*64)
	m.lossAndGrads(v0, v1, negs, n, per)
	loss := func() float64 {
		l, _ := m.lossAndGrads(v0, v1, negs, n, per)
		return l
	}

	// Copy every gradient first: each probe reruns the pass and leaves the
	// gradients of a perturbed point behind.
	grads := map[string][]float32{}
	for _, q := range m.net.Trainable() {
		grads[q.Name] = append([]float32(nil), q.G...)
	}
	for _, name := range []string{"stem.w", "down2.w", "res1.w", "res2.b", "head1.w", "head2.w"} {
		checkGradStep(t, name, m.net.Params.Get(name).Value.Float32s(), grads[name], loss, 1e-4)
	}
}

// TestLearnsInvariance trains on two noisy views of 32 random images and
// checks that the loss falls and that most positives come to score highest
// among 33 candidates (chance: 3%).
func TestLearnsInvariance(t *testing.T) {
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{"width": 8, "size": 12, "proj_dim": 16}, 1); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	const n = 32
	base := randSlice(r, n*144)
	view := func() *core.Batch {
		b := core.NewBatch(n, 1, 12, 12)
		for i := range b.Data {
			b.Data[i] = base[i] + 0.3*float32(r.NormFloat64())
		}
		return b
	}
	var first, last core.StepResult
	for s := range 60 {
		res, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseTrain, Step: int64(s),
			Views: []*core.Batch{view(), view()}, Negatives: view()})
		if err != nil {
			t.Fatal(err)
		}
		if s == 0 {
			first = res
		}
		last = res
	}
	t.Logf("first %v, last %v", first, last)
	if !(last["loss"] < first["loss"]-1) || last["accuracy"] < 0.5 {
		t.Fatalf("did not learn: first %v, last %v", first, last)
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
