package biggan32

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"width": 4, "z_dim": 8}})
}

func TestConformanceConditional(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{
		"width": 4, "z_dim": 8, "classes": 3, "channels": 1}})
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Finite differences through a whole network in float32. Spectral norm
// divides weights of ~0.02 by σ, so gradients reach 1e3 and curvature is
// high: a step of 6e-4, with Richardson's extrapolation (checkGradAt),
// balances truncation against float32 rounding of a loss summed over
// 12,288 outputs; measured, the generator's worst error was 1.4% with each
// of gonum, OpenBLAS and oneDNN (plain differences: 4.7%). The tolerance is
// 2e-2 of the larger of |fd| and the tensor's RMS gradient: wrong wiring
// shows as errors of the order of the gradient itself.
const (
	fdStep = 6e-4
	fdTol  = 2e-2
)

func checkGrad(t *testing.T, name string, param, grad []float32, loss func() float64) {
	t.Helper()
	checkGradAt(t, name, param, grad, someIndices(len(param)), fdStep, loss)
}

// someIndices returns every index below n up to 12, else 12 drawn ones,
// the same for the same n.
func someIndices(n int) []int {
	const most = 12
	at := make([]int, min(most, n))
	r := rand.New(rand.NewPCG(uint64(n), 9))
	for k := range at {
		if n <= most {
			at[k] = k
		} else {
			at[k] = r.IntN(n)
		}
	}
	return at
}

// checkGradAt compares grad with finite differences of loss at the indices
// at of param. Central differences at step h and h/2 err by about c·h² and
// c·h²/4, so Richardson's combination (4·fd(h/2) - fd(h))/3 cancels that
// term: the step can stay large enough for float32 rounding of the loss to
// stay far below the difference, where plain differences would need a step
// small enough to drown in it.
func checkGradAt(t *testing.T, name string, param, grad []float32, at []int, step float32,
	loss func() float64) {
	t.Helper()
	rms := math.Sqrt(dot(grad, grad) / float64(len(grad)))
	central := func(i int, h float32) float64 {
		old := param[i]
		param[i] = old + h
		up := loss()
		param[i] = old - h
		down := loss()
		param[i] = old
		return (up - down) / (2 * float64(h))
	}
	for _, i := range at {
		fd := (4*central(i, step/2) - central(i, step)) / 3
		if math.Abs(fd-float64(grad[i])) > fdTol*math.Max(math.Max(1, rms), math.Abs(fd)) {
			t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", name, i, grad[i], fd)
		}
	}
}

// smoothG and smoothD put tanh where ReLU kinks would break differences;
// the wiring under test is unchanged and each activation's derivative is
// checked in core/backend/kernels.
func smoothG(g *generator) {
	for _, b := range g.blocks {
		b.bn1.setAct(kernels.Tanh)
		b.bn2.setAct(kernels.Tanh)
	}
	g.bn.WithAct(kernels.Tanh)
	g.frozenSN = true
}

func smoothD(d *discriminator) {
	for _, b := range d.blocks {
		b.pre.act = kernels.Tanh
		b.conv1.WithAct(kernels.Tanh, 0)
	}
	d.final.act = kernels.Tanh
}

func grads(net *nn.Net) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range net.Trainable() {
		out[p.Name] = append([]float32(nil), p.G...)
	}
	return out
}

func TestDiscriminatorGradients(t *testing.T) {
	a := arch{Channels: 3, Width: 4, ZDim: 8, Classes: 3, Workers: 2}
	d := newDiscriminator(a, 1)
	smoothD(d)
	d.UpdateSpectralNorm()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 3
	x := randSlice(r, n*3*32*32)
	labels := []int32{0, 2, 1}
	probe := randSlice(r, n)
	loss := func() float64 { return dot(d.Forward(n, x, labels), probe) }

	loss()
	d.net.ZeroGrad()
	dx := append([]float32(nil), d.Backward(append([]float32(nil), probe...), true, true)...)
	g := grads(d.net)
	checkGrad(t, "x", x, dx, loss)
	for _, name := range []string{"block0.conv1.w", "block0.sc.w", "block1.conv2.w",
		"block3.conv1.b", "fc.w", "embed"} {
		checkGrad(t, name, d.net.Params.Get(name).Value.Float32s(), g[name], loss)
	}

	// A D step needs no input gradient: skipping it must leave every
	// weight gradient as it was.
	loss()
	d.net.ZeroGrad()
	if dx := d.Backward(append([]float32(nil), probe...), false, true); dx != nil {
		t.Errorf("Backward without needX returned an input gradient")
	}
	for name, got := range grads(d.net) {
		if !slices.Equal(got, g[name]) {
			t.Errorf("%s: weight gradient changes when the input gradient is skipped", name)
		}
	}
}

func TestGeneratorGradients(t *testing.T) {
	common := []string{"fc.w", "block0.conv1.w", "block1.sc.w", "block2.conv2.w", "bn.beta",
		"out.w", "out.b"}
	for _, tc := range []struct {
		name               string
		classes, sharedDim int
		step               float32
		params             []string
	}{
		{"unconditional", 0, 0, fdStep, []string{"block0.bn1.gamma", "block2.bn2.beta"}},
		{"class tables", 2, 0, fdStep, []string{"block0.bn1.gamma", "block2.bn2.beta"}},
		// The gains 1 + Wg·c of this tiny model spread over about -4..7
		// between samples, which curves the loss more: at fdStep the
		// extrapolated differences miss by up to 13%, at a sixth of it
		// they agree within 0.8% with every BLAS.
		{"shared embedding", 2, 3, fdStep / 6, []string{"shared", "block0.bn1.gain.w",
			"block0.bn2.bias.w", "block1.bn1.bias.w", "block2.bn2.gain.w"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const zDim = 8
			a := arch{Channels: 3, Width: 4, ZDim: zDim, Classes: tc.classes,
				SharedDim: tc.sharedDim, Workers: 2}
			g := newGenerator(a, 1)
			smoothG(g)
			r := rand.New(rand.NewPCG(3, 4))
			const n = 4
			z := randSlice(r, n*zDim)
			var labels []int32
			if tc.classes > 0 {
				labels = []int32{0, 1, 1, 0}
			}
			probe := randSlice(r, n*3*32*32)
			loss := func() float64 { return dot(g.Forward(n, z, labels, true), probe) }

			loss()
			g.net.ZeroGrad()
			g.Backward(append([]float32(nil), probe...))
			gr := grads(g.net)
			for _, name := range append(common, tc.params...) {
				p := g.net.Params.Get(name).Value.Float32s()
				checkGradAt(t, name, p, gr[name], someIndices(len(p)), tc.step, loss)
			}
			if !a.hierarchical() {
				return
			}

			// The chunks of z that condition the blocks (not the first,
			// which feeds fc), in every sample.
			dz := append([]float32(nil), g.dz...)
			var at []int
			for i := range n {
				for j := g.chunk; j < zDim; j += 2 {
					at = append(at, i*zDim+j)
				}
			}
			checkGradAt(t, "z", z, dz, at, tc.step, loss)
		})
	}
}

func TestTrainsAndResumes(t *testing.T) {
	ctx := context.Background()
	// The shared embedding and hierarchical z, with their Adam moments and
	// EMA, go through the checkpoint.
	cfg := core.Config{"width": 4, "z_dim": 8, "classes": 2, "shared_dim": 3,
		"ema_start": 0, "ema_decay": 0.9}
	r := rand.New(rand.NewPCG(5, 6))
	real := &core.Batch{Shape: [4]int{4, 3, 32, 32}, Data: randSlice(r, 4*3*32*32),
		Labels: []int32{0, 1, 0, 1}}
	neg := real.Clone()
	run := func(m *Model, from, to int) (core.StepResult, core.StepResult) {
		var d, g core.StepResult
		var err error
		for s := from; s < to; s++ {
			if d, err = m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: int64(s), Lambda: 0.25,
				Real: real, Negatives: neg}); err != nil {
				t.Fatal(err)
			}
			if g, err = m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: int64(s), Real: real}); err != nil {
				t.Fatal(err)
			}
		}
		return d, g
	}
	save := func(m *Model) []byte {
		b, err := m.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	m := New()
	if err := m.Init(ctx, cfg, 3); err != nil {
		t.Fatal(err)
	}
	fresh := New()
	if err := fresh.Init(ctx, cfg, 3); err != nil {
		t.Fatal(err)
	}
	run(m, 0, 2)
	ckpt := save(m)
	// The G steps reach the shared embedding and the gain maps.
	for _, name := range []string{"shared", "block1.bn2.gain.w"} {
		before := fresh.T.G.Net().Params.Get(name).Value.Float32s()
		after := m.T.G.Net().Params.Get(name).Value.Float32s()
		if slices.Equal(before, after) {
			t.Errorf("G's %s did not change in training", name)
		}
	}

	other := New()
	if err := other.Init(ctx, cfg, 4); err != nil {
		t.Fatal(err)
	}
	if err := other.Load(ctx, ckpt); err != nil {
		t.Fatal(err)
	}
	// The same seed gives the same model.
	twin := New()
	if err := twin.Init(ctx, cfg, 3); err != nil {
		t.Fatal(err)
	}
	run(twin, 0, 2)
	if !bytes.Equal(save(twin), ckpt) {
		t.Fatal("same seed, different checkpoints")
	}

	d1, g1 := run(m, 2, 3)
	d2, g2 := run(other, 2, 3)
	if d1["loss_d"] != d2["loss_d"] || g1["loss_g"] != g2["loss_g"] || !bytes.Equal(save(m), save(other)) {
		t.Fatalf("resumed run differs: %v %v vs %v %v", d1, g1, d2, g2)
	}
	for k, v := range d1 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s = %v", k, v)
		}
	}

	wide := New()
	if err := wide.Init(ctx, core.Config{"width": 8, "z_dim": 8, "classes": 2}, 3); err != nil {
		t.Fatal(err)
	}
	if err := wide.Load(ctx, ckpt); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("load into another width: %v", err)
	}
}

// TestRefusesTableCheckpoint loads a checkpoint of the per-class-table
// generator (shared_dim 0, the architecture of version 0.1.0) into the
// default, shared-embedding one.
func TestRefusesTableCheckpoint(t *testing.T) {
	ctx := context.Background()
	old := New()
	if err := old.Init(ctx, core.Config{"width": 4, "z_dim": 8, "classes": 2,
		"shared_dim": 0}, 1); err != nil {
		t.Fatal(err)
	}
	ckpt, err := old.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	if err := m.Init(ctx, core.Config{"width": 4, "z_dim": 8, "classes": 2}, 1); err != nil {
		t.Fatal(err)
	}
	err = m.Load(ctx, ckpt)
	if !errors.Is(err, core.ErrFailedPrecondition) ||
		!strings.Contains(err.Error(), "architecture differs") {
		t.Fatalf("load a per-class-table checkpoint: %v", err)
	}
	t.Log(err)
}

func TestZDimChunks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		cfg  core.Config
		fail bool
	}{
		{core.Config{"width": 4, "z_dim": 10, "classes": 2}, true},
		{core.Config{"width": 4, "z_dim": 10, "classes": 2, "shared_dim": 0}, false},
		{core.Config{"width": 4, "z_dim": 10}, false},
		{core.Config{"width": 4, "z_dim": 12, "classes": 2}, false},
	} {
		err := New().Init(ctx, tc.cfg, 1)
		if tc.fail != (err != nil) {
			t.Errorf("%v: %v", tc.cfg, err)
		}
		if tc.fail && (!errors.Is(err, core.ErrInvalidArgument) ||
			!strings.Contains(err.Error(), "z_dim 10")) {
			t.Errorf("%v: %v, want an invalid z_dim", tc.cfg, err)
		}
	}
}
