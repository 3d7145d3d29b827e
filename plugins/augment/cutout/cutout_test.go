package cutout

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"min_side": 4, "max_side": 4})
}

// square finds the filled square of one channel: the bounding box of the
// pixels that changed, which must all hold the channel's original mean.
func square(t *testing.T, in, out []float32, h, w int) (side int) {
	t.Helper()
	var sum float64
	for _, v := range in {
		sum += float64(v)
	}
	mean := float32(sum / float64(len(in)))
	y0, y1, x0, x1 := h, 0, w, 0
	for j := range in {
		if in[j] != out[j] {
			if math.Abs(float64(out[j]-mean)) > 1e-6 {
				t.Fatalf("changed pixel %d holds %v, not the channel mean %v", j, out[j], mean)
			}
			y, x := j/w, j%w
			y0, y1, x0, x1 = min(y0, y), max(y1, y+1), min(x0, x), max(x1, x+1)
		}
	}
	if y1-y0 != x1-x0 {
		t.Fatalf("filled region %d×%d is not square", y1-y0, x1-x0)
	}
	return y1 - y0
}

func TestSquareOfMeanColour(t *testing.T) {
	tests := []struct {
		side   int
		lo, hi int
	}{{32, 10, 19}, {28, 9, 17}, {64, 20, 38}}
	for _, tt := range tests {
		in := augtest.Noise(1, 32, 3, tt.side, tt.side)
		seen := map[int]bool{}
		for s := range 20 {
			out := augtest.Apply(t, New(), core.AugmentRequest{Step: int64(s)}, in)
			for i := range in.N() {
				plane := tt.side * tt.side
				got := -1
				for k := range 3 {
					a := in.Sample(i)[k*plane : (k+1)*plane]
					b := out.Sample(i)[k*plane : (k+1)*plane]
					side := square(t, a, b, tt.side, tt.side)
					if got >= 0 && side != got {
						t.Fatalf("channels of one image have squares %d and %d", got, side)
					}
					got = side
				}
				if got < tt.lo || got > tt.hi {
					t.Fatalf("%d px image: square side %d outside [%d, %d]", tt.side, got, tt.lo,
						tt.hi)
				}
				seen[got] = true
			}
		}
		if len(seen) != tt.hi-tt.lo+1 {
			t.Errorf("%d px image: %d distinct sides of %d possible", tt.side, len(seen),
				tt.hi-tt.lo+1)
		}
	}
}

func TestBadSides(t *testing.T) {
	in := augtest.Noise(1, 2, 1, 8, 8)
	for _, cfg := range []core.Config{{"min_side": 12, "max_side": 11}, {"max_side": 40},
		{"min_side": 0}} {
		if _, err := New().Apply(context.Background(), core.AugmentRequest{Config: cfg},
			in); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("config %v: error %v, want ErrInvalidArgument", cfg, err)
		}
	}
}

func TestNeverUnchanged(t *testing.T) {
	in := augtest.Noise(1, 64, 3, 32, 32)
	for s := range 50 {
		if n := augtest.Unchanged(in, augtest.Apply(t, New(), core.AugmentRequest{Step: int64(s)},
			in)); n != 0 {
			t.Fatalf("step %d: %d images unchanged", s, n)
		}
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
