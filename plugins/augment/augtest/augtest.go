// Package augtest checks augmentation plugins in tests: the properties every
// augmentation must have (shape, labels and range kept, input untouched,
// output a function of Seed and Step only) and measurements the per-plugin
// tests assert on (the fraction of images returned unchanged).
package augtest

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// Noise returns an n×c×h×w batch of uniform values in [-1, 1] keyed by seed,
// labelled 0..9 in turn. Noise images have no two equal tiles or halves, so
// an output equal to its input means the augmentation did nothing.
func Noise(seed int64, n, c, h, w int) *core.Batch {
	b := core.NewBatch(n, c, h, w)
	r := core.NewRand(seed, "augtest", 0, "noise")
	for i := range b.Data {
		b.Data[i] = float32(2*r.Float64() - 1)
	}
	b.Labels = make([]int32, n)
	for i := range b.Labels {
		b.Labels[i] = int32(i % 10)
	}
	return b
}

// Apply runs aug on in and fails the test on error.
func Apply(t testing.TB, aug core.Augmentation, req core.AugmentRequest, in *core.Batch) *core.Batch {
	t.Helper()
	out, err := aug.Apply(context.Background(), req, in)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return out
}

// Check asserts the properties every augmentation has, on a 16×3×32×32
// noise batch and a 5×1×28×28 one: the output has the input's shape and
// labels and values in [-1, 1]; the input is not modified; the same request
// gives the same output, and another Step another one.
func Check(t *testing.T, aug core.Augmentation, cfg core.Config) {
	t.Helper()
	CheckShape(t, aug, cfg, [4]int{16, 3, 32, 32})
	CheckShape(t, aug, cfg, [4]int{5, 1, 28, 28})
}

// CheckShape is Check on a noise batch of one shape, for augmentations that
// are the identity on some shapes (grayscale on grey images).
func CheckShape(t *testing.T, aug core.Augmentation, cfg core.Config, shape [4]int) {
	t.Helper()
	{
		in := Noise(1, shape[0], shape[1], shape[2], shape[3])
		keep := in.Clone()
		req := core.AugmentRequest{Config: cfg, Seed: 3, Step: 11}
		out := Apply(t, aug, req, in)

		if out.Shape != in.Shape || !slices.Equal(out.Labels, in.Labels) {
			t.Fatalf("shape %v labels %v, want %v %v", out.Shape, out.Labels, in.Shape, in.Labels)
		}
		if err := out.Validate(); err != nil {
			t.Fatal(err)
		}
		for i, v := range out.Data {
			if !(v >= -1-1e-6 && v <= 1+1e-6) || math.IsNaN(float64(v)) {
				t.Fatalf("value %v at %d is outside [-1, 1]", v, i)
			}
		}
		if !slices.Equal(in.Data, keep.Data) {
			t.Fatal("apply modified its input")
		}

		again := Apply(t, aug, req, in.Clone())
		if !slices.Equal(out.Data, again.Data) {
			t.Fatal("the same request gave different outputs")
		}
		req.Step++
		other := Apply(t, aug, req, in)
		if slices.Equal(out.Data, other.Data) {
			t.Fatal("steps 11 and 12 gave the same output")
		}
	}
}

// Unchanged counts the images of out that equal the same image of in.
func Unchanged(in, out *core.Batch) int {
	n := 0
	for i := range in.N() {
		if slices.Equal(in.Sample(i), out.Sample(i)) {
			n++
		}
	}
	return n
}

// BinomialBound returns how far a fraction measured over n trials may stray
// from p before a test should fail: z standard errors, z = 4 keeping false
// failures below 1 in 15,000.
func BinomialBound(p float64, n int) float64 {
	const z = 4
	return z * math.Sqrt(p*(1-p)/float64(n))
}

// Bench measures aug on a 64×3×32×32 batch, the size the speed targets
// name.
func Bench(b *testing.B, aug core.Augmentation, cfg core.Config) {
	in := Noise(1, 64, 3, 32, 32)
	ctx := context.Background()
	step := int64(0)
	for b.Loop() {
		req := core.AugmentRequest{Config: cfg, Seed: 1, Step: step}
		if _, err := aug.Apply(ctx, req, in); err != nil {
			b.Fatal(err)
		}
		step++
	}
}
