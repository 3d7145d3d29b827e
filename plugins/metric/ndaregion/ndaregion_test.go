package ndaregion

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/toy2d"
)

func TestEvaluateRingByHand(t *testing.T) {
	// Ring of 4 at radius 2, std 0.1: high quality within 0.3 of a mode;
	// forbidden is the centre disc of radius 0.5·2 = 1.
	// (2, 0): on mode 0, HQ. (2.25, 0): 0.25 from mode 0, HQ.
	// (0, 1.5): 1.5 from the centre, 0.5 from mode 1: neither.
	// (0, 0) and (0.5, 0.5) (0.71 from the centre): forbidden.
	// So forbidden 2/5, high quality 2/5, and mode 0 holds both HQ points:
	// covered for min_samples 1 and 2, not for 3.
	g := toy2d.Geometry{Layout: toy2d.LayoutRing, Modes: 4, Radius: 2, Std: 0.1}
	pts := [][2]float64{{2, 0}, {2.25, 0}, {0, 1.5}, {0, 0}, {0.5, 0.5}}
	for _, c := range []struct{ min, covered int }{{1, 1}, {2, 1}, {3, 0}} {
		r := Evaluate(g, pts, c.min)
		if r.ForbiddenRate != 0.4 || r.HighQualityRate != 0.4 || r.ModesCovered != c.covered {
			t.Errorf("min_samples %d: %+v, want forbidden 0.4, HQ 0.4, covered %d", c.min, r, c.covered)
		}
	}
}

func TestEvaluateGridByHand(t *testing.T) {
	// 3×3 grid over [-2, 2]²: modes 2 apart; a point of the square is
	// forbidden farther than 0.3·2 = 0.6 from every mode.
	// (1, 1): √2 from the nearest modes, forbidden. (0.5, 0): 0.5 from
	// (0, 0), allowed, not HQ (std 0.1: 0.3). (3, 0): outside the square,
	// allowed; 1 from (2, 0). (-2, 2.1): 0.1 from mode 6, HQ.
	g := toy2d.Geometry{Layout: toy2d.LayoutGrid, Modes: 9, Radius: 2, Std: 0.1}
	r := Evaluate(g, [][2]float64{{1, 1}, {0.5, 0}, {3, 0}, {-2, 2.1}}, 1)
	if r.ForbiddenRate != 0.25 || r.HighQualityRate != 0.25 || r.ModesCovered != 1 {
		t.Errorf("%+v, want forbidden 0.25, HQ 0.25, covered 1", r)
	}
}

func resolved(t testing.TB, cfg core.Config) core.Config {
	t.Helper()
	out, err := descriptor().Resolve(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRealSamples(t *testing.T) {
	// Points drawn from the mixture itself. The squared distance to the own
	// centre over std² is χ² with 2 degrees of freedom, so the HQ rate is
	// P(χ²₂ ≤ 9) = 1 - e^-4.5 = 0.98889; the standard error at N = 20000
	// is 0.0007, so ±0.004. At toy2d's defaults the forbidden region is at
	// least 6 std away: P = e^-18, so no point lands there.
	for _, g := range []toy2d.Geometry{
		{Layout: toy2d.LayoutRing, Modes: 8, Radius: 0.8, Std: 0.02},
		{Layout: toy2d.LayoutGrid, Modes: 25, Radius: 0.8, Std: 0.02},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		centres := g.Centres()
		n := 20000
		b := core.NewBatch(n, 2, 1, 1)
		for i := range n {
			x, y, _ := g.Sample(r, centres)
			b.Data[2*i], b.Data[2*i+1] = float32(x), float32(y)
		}
		cfg := resolved(t, core.Config{"layout": g.Layout, "modes": g.Modes, "radius": g.Radius, "std": g.Std})
		out, err := New().Compute(context.Background(), cfg, map[string]*core.Batch{core.InputGeneratedPoints: b})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(out["high_quality_rate"]-(1-math.Exp(-4.5))) > 0.004 ||
			out["forbidden_rate"] != 0 || out["modes_covered"] != float64(g.Modes) {
			t.Errorf("%s: %v, want HQ 0.989, forbidden 0, all %d modes", g.Layout, out, g.Modes)
		}
	}
}

func TestForbiddenNegatives(t *testing.T) {
	// Points from toy2d's own forbidden-region sampler all count.
	g := toy2d.Geometry{Layout: toy2d.LayoutGrid, Modes: 16, Radius: 0.8, Std: 0.02}
	r := rand.New(rand.NewPCG(3, 4))
	pts := make([][2]float64, 1000)
	for i := range pts {
		pts[i][0], pts[i][1] = g.SampleForbidden(r)
	}
	if res := Evaluate(g, pts, 1); res.ForbiddenRate != 1 || res.HighQualityRate != 0 {
		t.Errorf("forbidden samples: %+v, want forbidden 1, HQ 0", res)
	}
}

func TestBadConfig(t *testing.T) {
	pts := &core.Batch{Shape: [4]int{1, 2, 1, 1}, Data: []float32{0, 0}}
	for name, cfg := range map[string]core.Config{
		"grid of 10": {"layout": "grid", "modes": 10},
		"layout":     {"layout": "spiral"},
		"unknown":    {"radius_x": 1},
	} {
		_, err := New().Compute(context.Background(), cfg, map[string]*core.Batch{core.InputGeneratedPoints: pts})
		if !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	_, err := New().Compute(context.Background(), nil,
		map[string]*core.Batch{core.InputGeneratedPoints: core.NewBatch(3, 3, 1, 1)})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("3-d points: %v, want ErrInvalidArgument", err)
	}
}
