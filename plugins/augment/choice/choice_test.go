package choice

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"per": "image", "ops": "jigsaw,cutout,rotate"})
	augtest.Check(t, New(), core.Config{"per": "image"})
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

// perImageGroups returns the groups Apply forms for req on a batch of n
// images, drawn from the same generator.
func perImageGroups(t *testing.T, req core.AugmentRequest, n int) []group {
	t.Helper()
	desc, err := New().Describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Split(req.Config["ops"].(string), ",")
	return plan(request.Rand(desc, req, "choice"), names, n)
}

// subBatch returns the images of in at idx as a batch of their own.
func subBatch(in *core.Batch, idx []int) *core.Batch {
	b := core.NewBatch(len(idx), in.Shape[1], in.Shape[2], in.Shape[3])
	b.Labels = make([]int32, len(idx))
	for k, i := range idx {
		copy(b.Sample(k), in.Sample(i))
		b.Labels[k] = in.Labels[i]
	}
	return b
}

func TestPerImageRunsEachOnItsImages(t *testing.T) {
	in := augtest.Noise(1, 32, 3, 8, 8)
	cfg := core.Config{"per": "image", "ops": "jigsaw,stitch,mixup,cutout,cutmix,rotate"}
	checked := map[string]int{}
	for step := range 20 {
		req := core.AugmentRequest{Config: cfg, Seed: 7, Step: int64(step)}
		out := augtest.Apply(t, New(), req, in)
		for _, g := range perImageGroups(t, req, in.N()) {
			if len(g.images) == 1 && pairs(mustDescribe(t, ops()[g.name])) {
				continue // a lone image runs with a partner: TestPerImageLoneImage
			}
			sub := core.AugmentRequest{Role: core.RoleNegative, Seed: req.Seed, Step: req.Step}
			direct := augtest.Apply(t, ops()[g.name], sub, subBatch(in, g.images))
			for k, i := range g.images {
				if !slices.Equal(out.Sample(i), direct.Sample(k)) {
					t.Fatalf("step %d: image %d is not what %s gives on its %d images",
						step, i, g.name, len(g.images))
				}
			}
			checked[g.name] += len(g.images)
		}
	}
	if len(checked) != 6 {
		t.Fatalf("images checked by op: %v, want all six ops", checked)
	}
	t.Logf("images checked by op: %v", checked)
}

func mustDescribe(t *testing.T, c core.Component) *core.Descriptor {
	t.Helper()
	d, err := c.Describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// stitchOf reports the partner j and the orientation for which out's image
// i is image i of in with its right (or bottom) half from image j ≠ i.
func stitchOf(in, out *core.Batch, i int) (j int, vertical, ok bool) {
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	for j := range in.N() {
		if j == i {
			continue
		}
		for _, vertical := range []bool{false, true} {
			want := slices.Clone(in.Sample(i))
			src := in.Sample(j)
			for k := range c * h * w {
				y, x := k/w%h, k%w
				if (vertical && y >= h/2) || (!vertical && x >= w/2) {
					want[k] = src[k]
				}
			}
			if slices.Equal(want, out.Sample(i)) {
				return j, vertical, true
			}
		}
	}
	return 0, false, false
}

// mixupOf reports the partner j ≠ i and the λ for which out's image i is
// λ·image i + (1-λ)·image j of in, within 1e-5.
func mixupOf(in, out *core.Batch, i int) (j int, lambda float64, ok bool) {
	x, o := in.Sample(i), out.Sample(i)
	for j := range in.N() {
		if j == i {
			continue
		}
		y := in.Sample(j)
		best := 0
		for k := range x {
			if math.Abs(float64(x[k]-y[k])) > math.Abs(float64(x[best]-y[best])) {
				best = k
			}
		}
		lambda := float64(o[best]-y[best]) / float64(x[best]-y[best])
		fits := lambda > 0.01 && lambda < 0.99
		for k := range x {
			if math.Abs(float64(o[k])-(lambda*float64(x[k])+(1-lambda)*float64(y[k]))) > 1e-5 {
				fits = false
				break
			}
		}
		if fits {
			return j, lambda, true
		}
	}
	return 0, 0, false
}

// isCutout reports whether out's image i differs from in's in some values
// and every changed value of a channel is that channel's one fill value.
func isCutout(in, out *core.Batch, i int) bool {
	plane := in.Shape[2] * in.Shape[3]
	x, o := in.Sample(i), out.Sample(i)
	changed := 0
	for ch := range in.Shape[1] {
		fill := float32(math.NaN())
		for k := ch * plane; k < (ch+1)*plane; k++ {
			if x[k] == o[k] {
				continue
			}
			if changed++; math.IsNaN(float64(fill)) {
				fill = o[k]
			}
			if o[k] != fill {
				return false
			}
		}
	}
	return changed > 0
}

// TestPerImagePartnersWithinGroup tells each output image's augmentation
// from the image alone and checks that stitch and mixup paired every image
// with another of their own images, with one draw (orientation, λ) each.
func TestPerImagePartnersWithinGroup(t *testing.T) {
	in := augtest.Noise(2, 24, 3, 8, 8)
	cfg := core.Config{"per": "image", "ops": "stitch,mixup,cutout"}
	for step := range 10 {
		req := core.AugmentRequest{Config: cfg, Seed: 3, Step: int64(step)}
		out := augtest.Apply(t, New(), req, in)

		op := make([]string, in.N())
		partner := make([]int, in.N())
		var orientations []bool
		var lambdas []float64
		for i := range in.N() {
			if j, v, ok := stitchOf(in, out, i); ok {
				op[i], partner[i] = "stitch", j
				orientations = append(orientations, v)
			} else if j, l, ok := mixupOf(in, out, i); ok {
				op[i], partner[i] = "mixup", j
				lambdas = append(lambdas, l)
			} else if isCutout(in, out, i) {
				op[i] = "cutout"
			} else {
				t.Fatalf("step %d: image %d is no stitch, mixup or cutout of its input",
					step, i)
			}
		}

		for i := range in.N() {
			if op[i] != "cutout" && op[i] != op[partner[i]] {
				t.Fatalf("step %d: %s image %d took its partner %d from the %s images",
					step, op[i], i, partner[i], op[partner[i]])
			}
		}
		if len(orientations) < 2 || len(lambdas) < 2 {
			t.Fatalf("step %d: %d stitch and %d mixup images, want groups of 2 or more",
				step, len(orientations), len(lambdas))
		}
		for _, v := range orientations {
			if v != orientations[0] {
				t.Fatalf("step %d: stitch images differ in orientation", step)
			}
		}
		for _, l := range lambdas {
			if math.Abs(l-lambdas[0]) > 1e-3 {
				t.Fatalf("step %d: mixup images have λ %v, want one λ", step, lambdas)
			}
		}
	}
}

// TestPerImageLoneImage finds a step at which one image alone draws stitch
// and checks that it is stitched with another image of the batch, exactly as
// stitch does on the two of them, rather than with itself.
func TestPerImageLoneImage(t *testing.T) {
	in := augtest.Noise(3, 8, 3, 8, 8)
	cfg := core.Config{"per": "image", "ops": "cutout,stitch"}
	found := false
	for step := range 1000 {
		req := core.AugmentRequest{Config: cfg, Seed: 9, Step: int64(step)}
		var lone []int
		for _, g := range perImageGroups(t, req, in.N()) {
			if g.name == "stitch" && len(g.images) == 1 {
				lone = g.images
			}
		}
		if lone == nil {
			continue
		}
		found = true

		out := augtest.Apply(t, New(), req, in)
		i := lone[0]
		j, _, ok := stitchOf(in, out, i)
		if !ok {
			t.Fatalf("step %d: the lone stitch image %d is not stitched with another image",
				step, i)
		}
		sub := core.AugmentRequest{Role: core.RoleNegative, Seed: req.Seed, Step: req.Step}
		pair := augtest.Apply(t, ops()["stitch"], sub, subBatch(in, []int{i, j}))
		if !slices.Equal(out.Sample(i), pair.Sample(0)) {
			t.Fatalf("step %d: image %d differs from stitch on images %d and %d", step, i, i, j)
		}
		for k := range in.N() {
			if k != i && !isCutout(in, out, k) {
				t.Fatalf("step %d: image %d is not a cutout of its input", step, k)
			}
		}
		break
	}
	if !found {
		t.Fatal("no step of 1000 left one image alone with stitch")
	}
}

// TestPerImageOneImageBatch checks that a batch of one image gets exactly
// what the augmentation it draws gives on it alone: stitch pairs it with
// itself and hands it back unchanged, as stitch alone does.
func TestPerImageOneImageBatch(t *testing.T) {
	in := augtest.Noise(4, 1, 3, 8, 8)
	for _, name := range []string{"stitch", "jigsaw", "mixup"} {
		req := core.AugmentRequest{Config: core.Config{"per": "image", "ops": name}, Step: 2}
		out := augtest.Apply(t, New(), req, in)
		sub := core.AugmentRequest{Role: core.RoleNegative, Step: 2}
		direct := augtest.Apply(t, ops()[name], sub, in)
		if !slices.Equal(out.Data, direct.Data) || !slices.Equal(out.Labels, in.Labels) {
			t.Fatalf("%s: a one-image batch differs from %s alone", name, name)
		}
	}
}

func TestPerImageSeeds(t *testing.T) {
	in := augtest.Noise(5, 16, 3, 8, 8)
	cfg := core.Config{"per": "image"}
	first := augtest.Apply(t, New(), core.AugmentRequest{Config: cfg, Seed: 1}, in)
	again := augtest.Apply(t, New(), core.AugmentRequest{Config: cfg, Seed: 1}, in.Clone())
	other := augtest.Apply(t, New(), core.AugmentRequest{Config: cfg, Seed: 2}, in)
	if !slices.Equal(first.Data, again.Data) {
		t.Fatal("seed 1 gave two different outputs")
	}
	if slices.Equal(first.Data, other.Data) {
		t.Fatal("seeds 1 and 2 gave the same output")
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
