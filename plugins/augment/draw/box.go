package draw

import (
	"math"
	"math/rand/v2"
)

// Box is a rectangle of pixels, rows [Y0, Y1) and columns [X0, X1).
type Box struct{ Y0, Y1, X0, X1 int }

// Area is the number of pixels inside.
func (b Box) Area() int { return (b.Y1 - b.Y0) * (b.X1 - b.X0) }

// CutMixBox draws the standard CutMix box for mixing ratio lambda on an
// h×w image: sides sqrt(1-lambda)·h and sqrt(1-lambda)·w around a uniform
// centre, clipped to the image (so the kept fraction may exceed lambda near
// the borders).
func CutMixBox(r *rand.Rand, h, w int, lambda float64) Box {
	cut := math.Sqrt(1 - lambda)
	ch, cw := int(float64(h)*cut), int(float64(w)*cut)
	cy, cx := r.IntN(h), r.IntN(w)
	return Box{
		Y0: clamp(cy-ch/2, 0, h), Y1: clamp(cy+ch/2, 0, h),
		X0: clamp(cx-cw/2, 0, w), X1: clamp(cx+cw/2, 0, w),
	}
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
