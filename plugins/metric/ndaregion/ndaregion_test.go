package ndaregion

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestCentres(t *testing.T) {
	const e = 1e-12
	cases := []struct {
		l       Layout
		want    [][2]float64
		spacing float64
	}{
		// Ring of 4 at radius 2: angles 0, π/2, π, 3π/2; neighbours 2√2 apart.
		{Layout{LayoutRing, 4, 2, 0.1}, [][2]float64{{2, 0}, {0, 2}, {-2, 0}, {0, -2}}, 2 * math.Sqrt2},
		// 3×3 grid over [-2, 2]²: step 2, row-major from (-2, -2).
		{Layout{LayoutGrid, 9, 2, 0.1}, [][2]float64{
			{-2, -2}, {0, -2}, {2, -2}, {-2, 0}, {0, 0}, {2, 0}, {-2, 2}, {0, 2}, {2, 2}}, 2},
	}
	for _, c := range cases {
		got := c.l.Centres()
		for k, w := range c.want {
			if math.Abs(got[k][0]-w[0]) > e || math.Abs(got[k][1]-w[1]) > e {
				t.Errorf("%s: centre %d = %v, want %v", c.l.Kind, k, got[k], w)
			}
		}
		if s := c.l.Spacing(); math.Abs(s-c.spacing) > e {
			t.Errorf("%s: spacing %v, want %v", c.l.Kind, s, c.spacing)
		}
	}
}

func TestEvaluateByHand(t *testing.T) {
	// Ring of 4 at radius 2, std 0.1: high quality within 0.3 of a mode,
	// forbidden from half the spacing, √2 ≈ 1.414, away from every mode.
	// (2, 0): on mode 0, HQ. (2.25, 0): 0.25 from mode 0, HQ.
	// (0, 1.5): 0.5 from mode 1, neither. (0, 0): 2 from all, forbidden.
	// (5, 5): forbidden. So forbidden 2/5, high quality 2/5, and mode 0
	// holds both HQ points: covered for min_samples 1 and 2, not for 3.
	l := Layout{LayoutRing, 4, 2, 0.1}
	pts := [][2]float64{{2, 0}, {2.25, 0}, {0, 1.5}, {0, 0}, {5, 5}}
	for _, c := range []struct{ min, covered int }{{1, 1}, {2, 1}, {3, 0}} {
		r := Evaluate(l, pts, c.min)
		if r.ForbiddenRate != 0.4 || r.HighQualityRate != 0.4 || r.ModesCovered != c.covered {
			t.Errorf("min_samples %d: %+v, want forbidden 0.4, HQ 0.4, covered %d", c.min, r, c.covered)
		}
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
	// is 0.0007, so ±0.004. Nothing lands 30 std away: forbidden 0.
	for _, l := range []Layout{{LayoutRing, 8, 2, 0.02}, {LayoutGrid, 25, 4, 0.05}} {
		r := rand.New(rand.NewPCG(1, 2))
		centres := l.Centres()
		n := 20000
		b := core.NewBatch(n, 2, 1, 1)
		for i := range n {
			c := centres[r.IntN(len(centres))]
			b.Data[2*i] = float32(c[0] + l.Std*r.NormFloat64())
			b.Data[2*i+1] = float32(c[1] + l.Std*r.NormFloat64())
		}
		cfg := resolved(t, core.Config{"layout": l.Kind, "modes": l.Modes, "radius": l.Radius, "std": l.Std})
		out, err := New().Compute(context.Background(), cfg, map[string]*core.Batch{core.InputGeneratedPoints: b})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(out["high_quality_rate"]-(1-math.Exp(-4.5))) > 0.004 ||
			out["forbidden_rate"] != 0 || out["modes_covered"] != float64(l.Modes) {
			t.Errorf("%s: %v, want HQ 0.989, forbidden 0, all %d modes", l.Kind, out, l.Modes)
		}
	}
}

func TestBadConfig(t *testing.T) {
	pts := &core.Batch{Shape: [4]int{1, 2, 1, 1}, Data: []float32{0, 0}}
	for name, cfg := range map[string]core.Config{
		"grid of 10": {"layout": "grid", "modes": 10},
		"zero std":   {"std": 0},
		"layout":     {"layout": "spiral"},
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
