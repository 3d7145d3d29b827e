// Package cutmix is the CutMix negative augmentation: one box per batch,
// sized by λ ~ Beta(α, α), is filled in every image with the same box of a
// partner image.
package cutmix

import (
	"context"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/draw"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// CutMix is the cutmix plugin. It has no state.
type CutMix struct{}

// New returns the cutmix augmentation.
func New() *CutMix { return &CutMix{} }

// Describe implements core.Component.
func (*CutMix) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "cutmix", Version: "0.1.0",
		Doc:   "one CutMix box per batch (area ≈ 1-λ, λ ~ Beta(alpha, alpha)) from a partner image",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "alpha", Type: core.TypeFloat, Default: 1.0, Min: core.Bound(0.01),
				Max: core.Bound(1e4),
				Doc: "Beta(alpha, alpha) shape; 1 makes λ uniform"},
			draw.PairingParam(),
		},
	}, nil
}

// Apply implements core.Augmentation. The output keeps the "self" labels.
func (c *CutMix) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := c.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	ch, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	_, b := drawBox(request.Rand(desc, req, "box"), h, w, cfg.Float("alpha"))
	partner := draw.Partners(request.Rand(desc, req, "pairing"), in.N(), cfg.String("pairing"))

	out := in.Clone()
	for i, p := range partner {
		dst, src := out.Sample(i), in.Sample(p)
		for k := range ch {
			for y := b.Y0; y < b.Y1; y++ {
				row := k*h*w + y*w
				copy(dst[row+b.X0:row+b.X1], src[row+b.X0:row+b.X1])
			}
		}
	}
	return out, nil
}

// drawBox draws the batch's λ and its box.
func drawBox(r *rand.Rand, h, w int, alpha float64) (float64, draw.Box) {
	lambda := draw.Beta(r, alpha, alpha)
	return lambda, draw.CutMixBox(r, h, w, lambda)
}
