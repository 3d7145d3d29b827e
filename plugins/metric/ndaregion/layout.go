package ndaregion

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
)

// The mode layouts of the 2-D toy data.
const (
	LayoutRing = "ring" // modes evenly spaced on a circle of the given radius
	LayoutGrid = "grid" // a √modes × √modes grid spanning [-radius, radius]²
)

// Layout is a mixture of equal isotropic Gaussians in the plane: where its
// modes are and where samples must not go.
//
// TODO(ndalab): the toy2d dataset plugin (plugins/dataset/toy2d) owns the
// canonical layout and forbidden region; once it exports them, build
// Layout from its functions so the two cannot drift apart.
type Layout struct {
	Kind   string  // LayoutRing or LayoutGrid
	Modes  int     // number of mixture components
	Radius float64 // ring radius, or half the grid's side
	Std    float64 // standard deviation of each component
}

// Validate checks the layout's parameters.
func (l Layout) Validate() error {
	switch {
	case l.Kind != LayoutRing && l.Kind != LayoutGrid:
		return fmt.Errorf("%w: %s: layout %q is not %q or %q",
			core.ErrInvalidArgument, Name, l.Kind, LayoutRing, LayoutGrid)
	case l.Modes < 1:
		return fmt.Errorf("%w: %s: %d modes", core.ErrInvalidArgument, Name, l.Modes)
	case l.Kind == LayoutGrid && gridSide(l.Modes) < 0:
		return fmt.Errorf("%w: %s: a grid needs a square number of modes, got %d",
			core.ErrInvalidArgument, Name, l.Modes)
	case l.Kind == LayoutRing && l.Modes < 2:
		return fmt.Errorf("%w: %s: a ring needs at least 2 modes, got %d",
			core.ErrInvalidArgument, Name, l.Modes)
	case l.Radius <= 0 || l.Std <= 0:
		return fmt.Errorf("%w: %s: radius %v and std %v must be positive",
			core.ErrInvalidArgument, Name, l.Radius, l.Std)
	}
	return nil
}

// gridSide returns √n, or -1 if n is not a perfect square.
func gridSide(n int) int {
	s := int(math.Round(math.Sqrt(float64(n))))
	if s*s != n {
		return -1
	}
	return s
}

// Centres returns the mode centres: on the ring, mode k at angle 2πk/Modes
// from the x axis; on the grid, row-major from (-Radius, -Radius).
func (l Layout) Centres() [][2]float64 {
	out := make([][2]float64, l.Modes)
	if l.Kind == LayoutRing {
		for k := range out {
			a := 2 * math.Pi * float64(k) / float64(l.Modes)
			out[k] = [2]float64{l.Radius * math.Cos(a), l.Radius * math.Sin(a)}
		}
		return out
	}
	side := gridSide(l.Modes)
	step := 0.0
	if side > 1 {
		step = 2 * l.Radius / float64(side-1)
	}
	for k := range out {
		out[k] = [2]float64{-l.Radius + step*float64(k%side), -l.Radius + step*float64(k/side)}
	}
	return out
}

// Spacing is the smallest distance between two mode centres (for one
// mode, 2·Radius).
func (l Layout) Spacing() float64 {
	c := l.Centres()
	best := 2 * l.Radius
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			best = min(best, math.Hypot(c[i][0]-c[j][0], c[i][1]-c[j][1]))
		}
	}
	return best
}

// Forbidden reports whether p lies in the forbidden region: at least half
// the mode spacing away from every centre, where no real sample is likely
// (at the defaults, over 30 standard deviations) and where NDA negatives such
// as mixtures of two real points land.
func (l Layout) Forbidden(p [2]float64, centres [][2]float64, spacing float64) bool {
	_, d := nearest(p, centres)
	return d >= spacing/2
}

// nearest returns the index of the centre closest to p and its distance.
func nearest(p [2]float64, centres [][2]float64) (int, float64) {
	best, bestD := 0, math.Inf(1)
	for k, c := range centres {
		if d := math.Hypot(p[0]-c[0], p[1]-c[1]); d < bestD {
			best, bestD = k, d
		}
	}
	return best, bestD
}
