package backend

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// smallModel is a D-like set with every kind of state: weights, batch-norm
// statistics, spectral-norm vectors, Adam moments and an EMA.
type smallModel struct {
	ps  *Params
	opt *Adam
	ema *EMA
}

func newSmallModel(t *testing.T, seed int64, out int) *smallModel {
	t.Helper()
	ps := NewParams("D", tensor.Float32, seed)
	NewConv2d(ps, "conv", ConvConfig{In: 1, Out: out, Kernel: 3, Pad: 1, SpectralNorm: true})
	NewBatchNorm(ps, "bn", out)
	NewLinear(ps, "head", LinearConfig{In: out, Out: 1})
	opt, err := NewAdam(ps, AdamConfig{LR: 1e-3, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	ema, err := NewEMA(ps, 0.999, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &smallModel{ps: ps, opt: opt, ema: ema}
}

func (m *smallModel) parts() []Stateful { return []Stateful{m.ps, m.opt, m.ema} }

// step fakes a training step: fills every gradient with a pattern and
// applies it, so the moments, step count and averages are non-trivial.
func (m *smallModel) step(k int) {
	var grads []Grad
	for _, p := range m.ps.Trainable() {
		g := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(p.Value.Shape()...))
		for i := range g.Float32s() {
			g.Float32s()[i] = float32((i+k)%7) - 3
		}
		grads = append(grads, Grad{P: p, G: g})
	}
	if err := m.opt.Step(grads); err != nil {
		panic(err)
	}
	m.ema.Update(int64(k))
	for _, p := range m.ps.All() {
		if !p.Trainable {
			p.Value.Float32s()[0] += float32(k) // running stats, u vectors
		}
	}
}

func snapshot(parts []Stateful) map[string][]float64 {
	out := map[string][]float64{}
	for _, n := range collect(parts) {
		if n.T.Dtype() == tensor.Int64 {
			for _, v := range n.T.Int64s() {
				out[n.Name] = append(out[n.Name], float64(v))
			}
			continue
		}
		out[n.Name] = Float64s(n.T)
	}
	return out
}

func TestCheckpointRoundTrip(t *testing.T) {
	src := newSmallModel(t, 1, 4)
	for k := 1; k <= 3; k++ {
		src.step(k)
	}
	path := filepath.Join(t.TempDir(), "ckpt.bin")
	meta := []byte("rng=42;cursor=1234")
	if err := SaveCheckpoint(path, meta, src.parts()...); err != nil {
		t.Fatal(err)
	}

	// The bytes in memory are the file's bytes.
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := EncodeCheckpoint(meta, src.parts()...)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(file, mem) {
		t.Error("EncodeCheckpoint differs from the saved file")
	}

	dst := newSmallModel(t, 2, 4) // other seed: every value differs
	gotMeta, err := LoadCheckpoint(path, dst.parts()...)
	if err != nil {
		t.Fatal(err)
	}
	if string(gotMeta) != string(meta) {
		t.Errorf("meta = %q, want %q", gotMeta, meta)
	}
	want, got := snapshot(src.parts()), snapshot(dst.parts())
	if len(want) != len(got) {
		t.Fatalf("%d tensors restored, want %d", len(got), len(want))
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: restored values differ", name)
		}
	}
	if dst.opt.Steps() != 3 {
		t.Errorf("restored adam step = %d, want 3", dst.opt.Steps())
	}

	// Continuing both gives bit-identical results.
	src.step(4)
	dst.step(4)
	want, got = snapshot(src.parts()), snapshot(dst.parts())
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: differs after a step from the restored state", name)
		}
	}
}

func TestCheckpointWrongArchitecture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.bin")
	if err := SaveCheckpoint(path, nil, newSmallModel(t, 1, 4).parts()...); err != nil {
		t.Fatal(err)
	}
	other := newSmallModel(t, 1, 5)
	before := snapshot(other.parts())
	_, err := LoadCheckpoint(path, other.parts()...)
	if !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("error = %v, want failed precondition", err)
	}
	if !strings.Contains(err.Error(), "D/conv.w") {
		t.Errorf("error %q does not name the differing tensor D/conv.w", err)
	}
	for name, v := range snapshot(other.parts()) {
		if !slices.Equal(v, before[name]) {
			t.Errorf("%s changed by a failed load", name)
		}
	}
}

func TestCheckpointCorrupted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.bin")
	m := newSmallModel(t, 1, 4)
	if err := SaveCheckpoint(path, []byte("meta"), m.parts()...); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"flipped byte": func() []byte {
			b := slices.Clone(data)
			b[len(b)/2] ^= 0x40
			return b
		}(),
		"truncated": data[:len(data)-10],
		"bad magic": append([]byte("XXXXXXXX"), data[8:]...),
		"empty":     {},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCheckpoint(p, m.parts()...)
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("error = %v, want invalid argument", err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	_, err = LoadCheckpoint(filepath.Join(dir, "missing"), m.parts()...)
	if !errors.Is(err, core.ErrNotFound) {
		t.Errorf("missing file: error = %v, want not found", err)
	}
}
