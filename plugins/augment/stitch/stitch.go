// Package stitch is the stitch negative augmentation: each image keeps one
// half and takes the other half from a partner image; one coin per batch
// chooses top/bottom or left/right halves.
package stitch

import (
	"context"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/draw"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// Stitch is the stitch plugin. It has no state.
type Stitch struct{}

// New returns the stitch augmentation.
func New() *Stitch { return &Stitch{} }

// Describe implements core.Component.
func (*Stitch) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "stitch", Version: "0.1.0",
		Doc:    "top/bottom or left/right halves of two images (one coin per batch)",
		Roles:  []string{core.RoleNegative},
		Params: []core.Param{draw.PairingParam()},
	}, nil
}

// Apply implements core.Augmentation. Image i keeps its own top (or left)
// half, H/2 rows (W/2 columns) rounded down, and its label.
func (s *Stitch) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := s.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	partner := draw.Partners(request.Rand(desc, req, "pairing"), in.N(), cfg.String("pairing"))
	vertical := request.Rand(desc, req, "coin").IntN(2) == 0

	out := in.Clone()
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	for i, p := range partner {
		dst, src := out.Sample(i), in.Sample(p)
		for ch := range c {
			plane := ch * h * w
			if vertical {
				// Bottom half from the partner.
				lo := plane + (h/2)*w
				copy(dst[lo:plane+h*w], src[lo:plane+h*w])
				continue
			}
			for y := range h {
				row := plane + y*w
				copy(dst[row+w/2:row+w], src[row+w/2:row+w])
			}
		}
	}
	return out, nil
}
