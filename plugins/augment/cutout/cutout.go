// Package cutout is the cutout negative augmentation: in each image a square
// (side 10-19 px at 32 px, scaled with the image) is filled with the image's
// own per-channel mean colour.
package cutout

import (
	"context"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// refSide is the image side at which min_side and max_side are given.
const refSide = 32

// Cutout is the cutout plugin. It has no state.
type Cutout struct{}

// New returns the cutout augmentation.
func New() *Cutout { return &Cutout{} }

// Describe implements core.Component.
func (*Cutout) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "cutout", Version: "0.1.0",
		Doc:   "per image, a random square filled with the image's per-channel mean colour",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "min_side", Type: core.TypeInt, Default: 10, Min: core.Bound(1),
				Max: core.Bound(refSide),
				Doc: "smallest square side in pixels at 32×32, scaled by min(H, W)/32"},
			{Name: "max_side", Type: core.TypeInt, Default: 19, Min: core.Bound(1),
				Max: core.Bound(refSide),
				Doc: "largest square side in pixels at 32×32, scaled by min(H, W)/32"},
		},
	}, nil
}

// Apply implements core.Augmentation.
func (c *Cutout) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := c.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	ch, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	if cfg.Int("min_side") > cfg.Int("max_side") {
		return nil, fmt.Errorf("%w: %s: min_side %d is above max_side %d",
			core.ErrInvalidArgument, desc.ID(), cfg.Int("min_side"), cfg.Int("max_side"))
	}
	lo, hi := sides(cfg.Int("min_side"), cfg.Int("max_side"), min(h, w))

	out := in.Clone()
	r := request.Rand(desc, req, "square")
	for i := range in.N() {
		side := lo + r.IntN(hi-lo+1)
		y0, x0 := r.IntN(h-side+1), r.IntN(w-side+1)
		img := out.Sample(i)
		for k := range ch {
			plane := img[k*h*w : (k+1)*h*w]
			fill := mean(plane)
			for y := y0; y < y0+side; y++ {
				row := plane[y*w+x0 : y*w+x0+side]
				for x := range row {
					row[x] = fill
				}
			}
		}
	}
	return out, nil
}

// sides scales the square's side range from 32 px to an image of the given
// (smaller) side, keeping at least one pixel and at most the whole image.
func sides(minSide, maxSide, side int) (lo, hi int) {
	scale := float64(side) / refSide
	lo = max(1, int(math.Round(float64(minSide)*scale)))
	hi = min(side, max(1, int(math.Round(float64(maxSide)*scale))))
	return min(lo, side), hi
}

func mean(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return float32(s / float64(len(v)))
}
