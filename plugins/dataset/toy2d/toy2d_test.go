package toy2d

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

var (
	ring = Geometry{Layout: LayoutRing, Modes: 8, Radius: 0.8, Std: 0.02}
	grid = Geometry{Layout: LayoutGrid, Modes: 25, Radius: 0.8, Std: 0.02}
)

func near(a, b [2]float64) bool {
	return math.Abs(a[0]-b[0]) < 1e-12 && math.Abs(a[1]-b[1]) < 1e-12
}

func TestCentres(t *testing.T) {
	rc := ring.Centres()
	if !near(rc[0], [2]float64{0.8, 0}) || !near(rc[2], [2]float64{0, 0.8}) || !near(rc[4],
		[2]float64{-0.8, 0}) {
		t.Errorf("ring centres %v", rc)
	}
	gc := grid.Centres()
	if !near(gc[0], [2]float64{-0.8, -0.8}) || !near(gc[4], [2]float64{0.8, -0.8}) ||
		!near(gc[12], [2]float64{0, 0}) || !near(gc[24], [2]float64{0.8, 0.8}) {
		t.Errorf("grid centres %v", gc)
	}
}

func TestForbiddenRegion(t *testing.T) {
	tests := []struct {
		g    Geometry
		x, y float64
		want bool
	}{
		{ring, 0, 0, true},
		{ring, 0.39, 0, true},
		{ring, 0.41, 0, false},
		{ring, 0.8, 0, false},
		{grid, 0, 0, false},        // a mode
		{grid, 0.2, 0, true},       // between two modes
		{grid, 0.2, 0.2, true},     // a cell centre
		{grid, 0.11, 0, false},     // within 0.3 spacing of a mode
		{grid, 0.13, 0, true},      // beyond it
		{grid, 0.9, 0.9, false},    // outside the grid's square
		{grid, -0.8, -0.6, true},   // gap on the border
		{grid, -0.8, -0.75, false}, // next to a corner mode
	}
	for _, tt := range tests {
		if got := tt.g.Forbidden(tt.x, tt.y); got != tt.want {
			t.Errorf("%s Forbidden(%v, %v) = %v, want %v", tt.g.Layout, tt.x, tt.y, got, tt.want)
		}
	}
}

func TestRealPointsAvoidForbiddenRegion(t *testing.T) {
	ctx := context.Background()
	for _, layout := range []string{LayoutRing, LayoutGrid} {
		modes := 8
		if layout == LayoutGrid {
			modes = 25
		}
		cfg := core.Config{"layout": layout, "modes": modes, "shuffle": false}
		ds := New()
		info, err := ds.Info(ctx, cfg, core.SplitTrain)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != 50000 || info.Shape != [3]int{2, 1, 1} || info.Classes != modes {
			t.Fatalf("%s info %+v", layout, info)
		}
		b, err := ds.Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain, Size: 50000})
		if err != nil {
			t.Fatal(err)
		}
		g := ring
		if layout == LayoutGrid {
			g = grid
		}
		counts := make([]int, modes)
		for i := range b.N() {
			x, y := float64(b.Data[2*i]), float64(b.Data[2*i+1])
			if g.Forbidden(x, y) {
				t.Fatalf("%s: real point %d (%v, %v) is in the forbidden region", layout, i, x, y)
			}
			if m, _ := g.NearestMode(x, y); int32(m) != b.Labels[i] {
				t.Fatalf("%s: point %d labelled %d is nearest mode %d", layout, i, b.Labels[i], m)
			}
			if math.Abs(x) > 1 || math.Abs(y) > 1 {
				t.Fatalf("%s: point (%v, %v) outside [-1, 1]", layout, x, y)
			}
			counts[b.Labels[i]]++
		}
		want := 50000.0 / float64(modes)
		for m, c := range counts {
			if math.Abs(float64(c)-want) > 5*math.Sqrt(want) {
				t.Errorf("%s: mode %d has %d points, want about %.0f", layout, m, c, want)
			}
		}
	}
}

func TestSplitsDifferAndRepeat(t *testing.T) {
	ctx := context.Background()
	cfg := core.Config{}
	req := core.BatchRequest{Config: cfg, Split: core.SplitTrain, Seed: 1, Size: 100}
	a, _ := New().Batch(ctx, req)
	b, _ := New().Batch(ctx, req)
	req.Split = core.SplitTest
	c, err := New().Batch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, b.Data) || slices.Equal(a.Data, c.Data) {
		t.Fatal("want the same batch for the same request and another for the test split")
	}
	if _, err := New().Info(ctx, core.Config{"layout": "grid", "modes": 8},
		core.SplitTrain); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("grid of 8 modes: %v", err)
	}
}

func TestForbiddenAugmentation(t *testing.T) {
	in := augtest.Noise(1, 256, 2, 1, 1)
	for _, g := range []Geometry{ring, grid} {
		cfg := core.Config{"layout": g.Layout, "modes": g.Modes}
		req := core.AugmentRequest{Config: cfg, Seed: 1, Step: 3}
		out := augtest.Apply(t, NewForbidden(), req, in)
		for i := range out.N() {
			if !g.Forbidden(float64(out.Data[2*i]), float64(out.Data[2*i+1])) {
				t.Fatalf("%s: negative %d (%v, %v) is not forbidden", g.Layout, i, out.Data[2*i],
					out.Data[2*i+1])
			}
		}
		if !slices.Equal(out.Labels, in.Labels) {
			t.Fatal("labels changed")
		}
		again := augtest.Apply(t, NewForbidden(), req, in)
		req.Step++
		other := augtest.Apply(t, NewForbidden(), req, in)
		if !slices.Equal(out.Data, again.Data) || slices.Equal(out.Data, other.Data) {
			t.Fatal("want the same points for the same step, others for the next")
		}
	}
	_, err := NewForbidden().Apply(context.Background(), core.AugmentRequest{}, augtest.Noise(1,
		2, 1, 28, 28))
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("images instead of points: %v", err)
	}
}

func TestForbiddenSamplesCoverRegion(t *testing.T) {
	// Uniform on the ring's disc: a quarter of the points fall within half
	// its radius.
	r := core.NewRand(1, "toy2d-test", 0, "")
	const n = 20000
	inner := 0
	for range n {
		x, y := ring.SampleForbidden(r)
		if math.Hypot(x, y) < RingHoleFraction*ring.Radius/2 {
			inner++
		}
	}
	if f := float64(inner) / n; math.Abs(f-0.25) > 4*math.Sqrt(0.25*0.75/n) {
		t.Fatalf("%.4f of disc samples in the inner half radius, want 0.25", f)
	}
}
