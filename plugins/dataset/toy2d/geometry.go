// Package toy2d is the toy data set of 2-D points drawn from Gaussians
// placed on a ring or a square grid, with a declared forbidden region (the
// centre disc of the ring, the gaps between grid modes) where no real point
// lies. Its negative augmentation, toy2d-forbidden, draws points from that
// region, and metrics use Geometry to score generated points.
package toy2d

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
)

// The layouts.
const (
	LayoutRing = "ring"
	LayoutGrid = "grid"
)

// Forbidden-region sizes, relative to the layout. Real points come within
// them with negligible probability at the default std (ring: 20 std from
// the centre disc; grid: 6 std to the nearest gap).
const (
	// RingHoleFraction: the ring's forbidden disc has radius
	// RingHoleFraction·Radius.
	RingHoleFraction = 0.5
	// GridGapFraction: a point inside the grid's square is forbidden when
	// it lies farther than GridGapFraction·spacing from every mode.
	GridGapFraction = 0.3
)

// Geometry says where the modes are and what is forbidden. Coordinates are
// served as they are; the defaults keep points within [-1, 1].
type Geometry struct {
	Layout string  // LayoutRing or LayoutGrid
	Modes  int     // ring: any ≥ 2; grid: a square number ≥ 4 (k×k)
	Radius float64 // ring: radius; grid: half the side of the square of modes
	Std    float64 // standard deviation of each Gaussian, per axis
}

// GeometryParams declares the parameters that set a Geometry; the data set
// and the forbidden-region augmentation both take them, and a config must
// give them the same values.
func GeometryParams() []core.Param {
	return []core.Param{
		{Name: "layout", Type: core.TypeString, Default: LayoutRing, Enum: []string{LayoutRing,
			LayoutGrid},
			Doc: "ring: modes on a circle, centre disc forbidden; grid: k×k modes, gaps forbidden"},
		{Name: "modes", Type: core.TypeInt, Default: 8, Min: core.Bound(2), Max: core.Bound(10000),
			Doc: "number of Gaussians; a square number (e.g. 25) for grid"},
		{Name: "radius", Type: core.TypeFloat, Default: 0.8, Min: core.Bound(1e-6),
			Max: core.Bound(1e6),
			Doc: "ring radius, or half the side of the grid"},
		{Name: "std", Type: core.TypeFloat, Default: 0.02, Min: core.Bound(0), Max: core.Bound(1e6),
			Doc: "standard deviation of each Gaussian"},
	}
}

// GeometryFrom reads a resolved config holding GeometryParams.
func GeometryFrom(cfg core.Config) (Geometry, error) {
	g := Geometry{Layout: cfg.String("layout"), Modes: cfg.Int("modes"),
		Radius: cfg.Float("radius"), Std: cfg.Float("std")}
	return g, g.Validate()
}

// Validate checks the layout and mode count.
func (g Geometry) Validate() error {
	switch g.Layout {
	case LayoutRing:
		if g.Modes < 2 {
			return fmt.Errorf("%w: toy2d: a ring needs at least 2 modes, not %d",
				core.ErrInvalidArgument, g.Modes)
		}
	case LayoutGrid:
		if k := g.side(); k < 2 || k*k != g.Modes {
			return fmt.Errorf("%w: toy2d: parameter \"modes\": a grid needs a square number "+
				"of modes (4, 9, 16, 25, ...), not %d", core.ErrInvalidArgument, g.Modes)
		}
	default:
		return fmt.Errorf("%w: toy2d: unknown layout %q (want ring or grid)",
			core.ErrInvalidArgument, g.Layout)
	}
	if !(g.Radius > 0) || !(g.Std >= 0) {
		return fmt.Errorf("%w: toy2d: radius %v and std %v must be positive",
			core.ErrInvalidArgument, g.Radius, g.Std)
	}
	return nil
}

// side is k of a k×k grid.
func (g Geometry) side() int { return int(math.Round(math.Sqrt(float64(g.Modes)))) }

// spacing is the distance between neighbouring grid modes.
func (g Geometry) spacing() float64 { return 2 * g.Radius / float64(g.side()-1) }

// Centres returns the mode centres, one (x, y) per mode, in label order:
// ring modes counter-clockwise from (Radius, 0); grid modes row by row from
// (-Radius, -Radius).
func (g Geometry) Centres() [][2]float64 {
	out := make([][2]float64, g.Modes)
	if g.Layout == LayoutRing {
		for i := range out {
			sin, cos := math.Sincos(2 * math.Pi * float64(i) / float64(g.Modes))
			out[i] = [2]float64{g.Radius * cos, g.Radius * sin}
		}
		return out
	}
	k, s := g.side(), g.spacing()
	for i := range out {
		out[i] = [2]float64{-g.Radius + s*float64(i%k), -g.Radius + s*float64(i/k)}
	}
	return out
}

// NearestMode returns the index of the centre closest to (x, y) and the
// distance to it.
func (g Geometry) NearestMode(x, y float64) (int, float64) {
	best, dist := 0, math.Inf(1)
	for i, c := range g.Centres() {
		if d := math.Hypot(x-c[0], y-c[1]); d < dist {
			best, dist = i, d
		}
	}
	return best, dist
}

// Forbidden reports whether (x, y) lies in the forbidden region: for a ring
// the disc of radius RingHoleFraction·Radius around the origin; for a grid
// the points of the square [-Radius, Radius]² farther than
// GridGapFraction·spacing from every mode.
func (g Geometry) Forbidden(x, y float64) bool {
	if g.Layout == LayoutRing {
		return math.Hypot(x, y) < RingHoleFraction*g.Radius
	}
	if math.Abs(x) > g.Radius || math.Abs(y) > g.Radius {
		return false
	}
	// The nearest grid mode is the nearest lattice point.
	k, s := g.side(), g.spacing()
	ix := min(k-1, max(0, int(math.Round((x+g.Radius)/s))))
	iy := min(k-1, max(0, int(math.Round((y+g.Radius)/s))))
	cx, cy := -g.Radius+s*float64(ix), -g.Radius+s*float64(iy)
	return math.Hypot(x-cx, y-cy) > GridGapFraction*s
}

// SampleForbidden draws a point uniformly from the forbidden region.
func (g Geometry) SampleForbidden(r *rand.Rand) (x, y float64) {
	if g.Layout == LayoutRing {
		// Uniform on a disc: radius by the square root of a uniform.
		rad := RingHoleFraction * g.Radius * math.Sqrt(r.Float64())
		sin, cos := math.Sincos(2 * math.Pi * r.Float64())
		return rad * cos, rad * sin
	}
	// Rejection from the square; about 70% of it is forbidden.
	for {
		x, y = g.Radius*(2*r.Float64()-1), g.Radius*(2*r.Float64()-1)
		if g.Forbidden(x, y) {
			return x, y
		}
	}
}

// Sample draws one real point and its mode (the label).
func (g Geometry) Sample(r *rand.Rand, centres [][2]float64) (x, y float64, mode int) {
	mode = r.IntN(g.Modes)
	c := centres[mode]
	return c[0] + g.Std*r.NormFloat64(), c[1] + g.Std*r.NormFloat64(), mode
}
