package dcgan

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// python is the interpreter with Debian's python3-torch.
const python = "/usr/bin/python3"

// parityTol bounds the gap between ndalab's and PyTorch's losses and
// gradients after one D step and one G step on the same weights and
// inputs, relative to max(1, the largest magnitude in each tensor). The two
// sum in different orders in float32, which costs about 1e-6 here.
const parityTol = 1e-4

func TestParityWithPyTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python with torch (a few seconds)")
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s cannot import torch: %v", python, err)
	}
	ctx := context.Background()
	m := New()

	// Adam's first step moves every weight by about ±lr whatever its
	// gradient's size, so gradients at float32 noise level (of either sign
	// in either implementation) would move D apart by ±2e-4 per weight and
	// the G loss with them. A tiny D learning rate keeps the update, and the
	// comparison of everything downstream, well-posed.
	const lrD = 1e-7
	if err := m.Init(ctx, core.Config{"ema_decay": 0.0, "lr_d": lrD}, 7); err != nil {
		t.Fatal(err)
	}
	const n = 8
	real, neg := testBatches(n)
	const lambda = 0.3

	// Inputs: every tensor under its checkpoint name, and the z the D step
	// will draw (keyed noise, so drawing it here first changes nothing).
	in := map[string]any{"n": n, "real": real.Data, "neg": neg.Data, "lambda": lambda, "lr_d": lrD}
	tensors := map[string][]float32{}
	for _, nt := range append(m.g.net.Params.Tensors(), m.d.net.Params.Tensors()...) {
		tensors[nt.Name] = slices.Clone(nt.T.Float32s())
	}
	in["tensors"] = tensors
	z, _ := m.T.Noise(m.T.Seed, 0, "z", n)
	in["z"] = slices.Clone(z)

	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	writeJSON(t, inPath, in)
	cmd := exec.Command(python, "testdata/parity.py", inPath, outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("parity.py: %v\n%s", err, out)
	}
	var want struct {
		LossD float64              `json:"loss_d"`
		LossG float64              `json:"loss_g"`
		Grads map[string][]float64 `json:"grads"`
		State map[string][]float64 `json:"state"`
	}
	readJSON(t, outPath, &want)

	resD, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: 0, Lambda: lambda,
		Real: real, Negatives: neg})
	if err != nil {
		t.Fatal(err)
	}
	resG, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: 0, Real: real})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "loss_d", []float64{resD["loss_d"]}, []float64{want.LossD})
	near(t, "loss_g", []float64{resG["loss_g"]}, []float64{want.LossG})

	// After Adam's first step its first moment is (1-β1)·g: read the
	// gradients back from there.
	got := map[string][]float64{}
	for _, nt := range append(m.T.OptD.Tensors(), m.T.OptG.Tensors()...) {
		set, param, ok := strings.Cut(nt.Name, "/adam.m/")
		if !ok {
			continue
		}
		g := make([]float64, nt.T.Size())
		for i, v := range nt.T.Float32s() {
			g[i] = float64(v) / (1 - 0.5)
		}
		got[set+"/"+param] = g
	}
	for name, w := range want.Grads {
		near(t, "grad "+name, got[name], w)
	}
	for name, w := range want.State {
		nt := m.g.net.Params.Get(strings.TrimPrefix(name, "G/"))
		if nt == nil {
			t.Fatalf("no tensor %s", name)
		}
		near(t, "state "+name, float64s(nt.Value.Float32s()), w)
	}
	if len(want.Grads) != 16 {
		t.Fatalf("compared %d gradients, want 16", len(want.Grads))
	}
}

// testBatches returns n uniform images in [-1, 1] and their horizontal
// flips, as the reference benchmark uses.
func testBatches(n int) (real, neg *core.Batch) {
	r := core.NewRand(3, "test", 0, "real")
	real = core.NewBatch(n, 1, 28, 28)
	for i := range real.Data {
		real.Data[i] = 2*r.Float32() - 1
	}
	neg = real.Clone()
	for i := 0; i < len(neg.Data); i += 28 {
		slices.Reverse(neg.Data[i : i+28])
	}
	return real, neg
}

func near(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > worst {
			worst, at = d, i
		}
	}
	if worst > parityTol*scale {
		t.Errorf("%s[%d] = %.8g, PyTorch %.8g (max abs diff %.3g > %.g × %.3g)",
			name, at, got[at], want[at], worst, parityTol, scale)
	}
}

func float64s(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
