package choice

import (
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"per": "image", "ops": "jigsaw,cutout,rotate"})
}

// whichOp returns the name of the op whose own output has image i equal to
// out's image i.
func whichOp(t *testing.T, in, out *core.Batch, req core.AugmentRequest, i int, names []string) string {
	t.Helper()
	sub := core.AugmentRequest{Role: core.RoleNegative, Seed: req.Seed, Step: req.Step}
	for _, n := range names {
		b := augtest.Apply(t, ops()[n], sub, in)
		if slices.Equal(b.Sample(i), out.Sample(i)) {
			return n
		}
	}
	return ""
}

func TestPerBatch(t *testing.T) {
	in := augtest.Noise(1, 6, 3, 8, 8)
	names := []string{"jigsaw", "stitch", "mixup", "cutout", "cutmix"}
	used := map[string]int{}
	for s := range 100 {
		req := core.AugmentRequest{Seed: 4, Step: int64(s)}
		out := augtest.Apply(t, New(), req, in)
		n := whichOp(t, in, out, req, 0, names)
		for i := 1; i < in.N(); i++ {
			if whichOp(t, in, out, req, i, []string{n}) != n {
				t.Fatalf("step %d: image %d is not from %q like image 0", s, i, n)
			}
		}
		used[n]++
	}
	for _, n := range names {
		if used[n] < 5 {
			t.Errorf("%s chosen %d times of 100 (all: %v)", n, used[n], used)
		}
	}
}

func TestPerImage(t *testing.T) {
	in := augtest.Noise(1, 32, 1, 8, 8)
	names := []string{"jigsaw", "rotate"}
	req := core.AugmentRequest{Config: core.Config{"per": "image", "ops": "jigsaw,rotate"}, Step: 1}
	out := augtest.Apply(t, New(), req, in)
	used := map[string]int{}
	for i := range in.N() {
		used[whichOp(t, in, out, req, i, names)]++
	}
	if used[""] != 0 || used["jigsaw"] < 4 || used["rotate"] < 4 {
		t.Fatalf("images by op: %v, want a mix of jigsaw and rotate only", used)
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }

func BenchmarkApplyPerImage(b *testing.B) { augtest.Bench(b, New(), core.Config{"per": "image"}) }

func TestInnerParams(t *testing.T) {
	in := augtest.Noise(1, 6, 1, 9, 9)
	cfg := core.Config{"ops": "jigsaw", "params": "jigsaw.k=3,jigsaw.faithful=true"}
	req := core.AugmentRequest{Config: cfg, Seed: 2, Step: 5}
	got := augtest.Apply(t, New(), req, in)
	direct := augtest.Apply(t, ops()["jigsaw"], core.AugmentRequest{
		Config: core.Config{"k": 3, "faithful": true}, Role: core.RoleNegative, Seed: 2, Step: 5}, in)
	if !slices.Equal(got.Data, direct.Data) {
		t.Fatal("choice with jigsaw.k=3 differs from jigsaw with k=3")
	}
	bad := core.AugmentRequest{Config: core.Config{"params": "jigsaw.k=99"}}
	if _, err := New().Apply(t.Context(), bad, in); err == nil || !strings.Contains(err.Error(), "\"k\"") {
		t.Fatalf("jigsaw.k=99: %v", err)
	}
}
