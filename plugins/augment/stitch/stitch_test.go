package stitch

import (
	"math"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"pairing": "permutation"})
}

// halves reports whether out's image i is in's image i in one half and
// in's image p in the other, top/bottom (vertical) or left/right.
func halves(in, out *core.Batch, i, p int, vertical bool) bool {
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	self, other, got := in.Sample(i), in.Sample(p), out.Sample(i)
	for k := range c {
		for y := range h {
			for x := range w {
				j := k*h*w + y*w + x
				first := (vertical && y < h/2) || (!vertical && x < w/2)
				want := other[j]
				if first {
					want = self[j]
				}
				if got[j] != want {
					return false
				}
			}
		}
	}
	return true
}

func TestHalvesOfTwoImages(t *testing.T) {
	in := augtest.Noise(1, 8, 3, 6, 7)
	orientations := map[bool]int{}
	for s := range 100 {
		out := augtest.Apply(t, New(), core.AugmentRequest{Seed: 2, Step: int64(s)}, in)
		for _, vertical := range []bool{true, false} {
			ok := true
			for i := range in.N() {
				found := false
				for p := range in.N() {
					if p != i && halves(in, out, i, p, vertical) {
						found = true
						break
					}
				}
				ok = ok && found
			}
			if ok {
				orientations[vertical]++
			}
		}
	}
	if orientations[true]+orientations[false] != 100 || orientations[true] < 30 || orientations[false] < 30 {
		t.Fatalf("of 100 batches, %d were top/bottom and %d left/right stitches of two different images",
			orientations[true], orientations[false])
	}
}

func TestUnchangedFraction(t *testing.T) {
	in := augtest.Noise(1, 16, 1, 8, 8)
	const steps = 300
	count := func(cfg core.Config) float64 {
		same := 0
		for s := range steps {
			same += augtest.Unchanged(in, augtest.Apply(t, New(), core.AugmentRequest{Config: cfg,
				Step: int64(s)}, in))
		}
		return float64(same) / (steps * 16)
	}
	if f := count(core.Config{}); f != 0 {
		t.Errorf("derangement pairing: %.4f unchanged, want 0", f)
	}
	// A uniform non-identity permutation has about one fixed point, so
	// about 1/16 of images meet themselves; the count per batch has
	// variance about 1, hence the tolerance.
	f := count(core.Config{"pairing": "permutation"})
	if tol := 4 * math.Sqrt(steps) / (steps * 16); math.Abs(f-1.0/16) > tol {
		t.Errorf("permutation pairing: %.4f unchanged, want %.4f ± %.4f", f, 1.0/16, tol)
	}
}

func TestLabelsAreSelf(t *testing.T) {
	in := augtest.Noise(1, 10, 1, 4, 4)
	out := augtest.Apply(t, New(), core.AugmentRequest{}, in)
	if !slices.Equal(in.Labels, out.Labels) {
		t.Fatalf("labels %v, want %v", out.Labels, in.Labels)
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
