package jigsaw

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	for _, cfg := range []core.Config{{}, {"faithful": true}, {"k": 3}, {"k": 4}} {
		augtest.Check(t, New(), cfg)
	}
}

// unchangedFraction applies jigsaw to batches of noise at steps 0..steps-1.
func unchangedFraction(t *testing.T, cfg core.Config, steps int) (float64, int) {
	in := augtest.Noise(5, 64, 1, 8, 8)
	same := 0
	for s := range steps {
		out := augtest.Apply(t, New(), core.AugmentRequest{Config: cfg, Seed: 9, Step: int64(s)},
			in)
		same += augtest.Unchanged(in, out)
	}
	n := steps * in.N()
	return float64(same) / float64(n), n
}

func TestCleanNeverReturnsInput(t *testing.T) {
	for _, k := range []int{2, 3} {
		if f, n := unchangedFraction(t, core.Config{"k": k}, 100); f != 0 {
			t.Errorf("k=%d: %.4f of %d outputs equal their input, want 0", k, f, n)
		}
	}
}

func TestFaithfulReturnsInputOneIn23(t *testing.T) {
	f, n := unchangedFraction(t, core.Config{"faithful": true}, 100)
	const p = 1.0 / 23
	if tol := augtest.BinomialBound(p, n); math.Abs(f-p) > tol {
		t.Fatalf("%.4f of %d outputs equal their input, want %.4f ± %.4f", f, n, p, tol)
	}
	t.Logf("faithful k=2: %.4f of %d unchanged (1/23 = %.4f)", f, n, p)
}

func TestTilesMove(t *testing.T) {
	// A 1×1×4×4 image whose 2×2 tiles are constant 0.1, 0.2, 0.3, 0.4: every
	// output must be the same four tiles in another order.
	in := core.NewBatch(1, 1, 4, 4)
	for y := range 4 {
		for x := range 4 {
			in.Data[y*4+x] = float32(1+(y/2)*2+x/2) / 10
		}
	}
	for s := range 50 {
		out := augtest.Apply(t, New(), core.AugmentRequest{Seed: 1, Step: int64(s)}, in)
		seen := map[float32]bool{}
		for ty := range 2 {
			for tx := range 2 {
				v := out.Data[ty*2*4+tx*2]
				for y := range 2 {
					for x := range 2 {
						if out.Data[(ty*2+y)*4+tx*2+x] != v {
							t.Fatalf("step %d: tile (%d,%d) is not constant: %v", s, ty, tx,
								out.Data)
						}
					}
				}
				seen[v] = true
			}
		}
		if len(seen) != 4 {
			t.Fatalf("step %d: tiles %v are not a permutation of the input's", s, out.Data)
		}
	}
}

func TestRagged(t *testing.T) {
	// 28 is not a multiple of 3: the last row and column stay in place.
	in := augtest.Noise(2, 4, 1, 28, 28)
	out := augtest.Apply(t, New(), core.AugmentRequest{Config: core.Config{"k": 3}}, in)
	for i := range in.N() {
		a, b := in.Sample(i), out.Sample(i)
		for y := range 28 {
			if a[y*28+27] != b[y*28+27] || a[27*28+y] != b[27*28+y] {
				t.Fatalf("image %d: border pixel of row/column 27 moved", i)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		req  core.AugmentRequest
		in   *core.Batch
	}{
		{"k too large", core.AugmentRequest{Config: core.Config{"k": 9}}, augtest.Noise(1, 2, 1,
			8, 8)},
		{"k vs image", core.AugmentRequest{Config: core.Config{"k": 5}}, augtest.Noise(1, 2, 1, 4,
			4)},
		{"unknown key", core.AugmentRequest{Config: core.Config{"tiles": 2}}, augtest.Noise(1, 2,
			1, 8, 8)},
		{"positive role", core.AugmentRequest{Role: core.RolePositive}, augtest.Noise(1, 2, 1, 8,
			8)},
		{"bad batch", core.AugmentRequest{}, &core.Batch{Shape: [4]int{2, 1, 4, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Apply(ctx, tt.req, tt.in)
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("error %v, want ErrInvalidArgument", err)
			}
		})
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
