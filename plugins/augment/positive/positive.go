// Package positive holds the positive-view augmentations of contrastive
// learning: random resized crop, horizontal flip, brightness/contrast
// jitter, grayscale, Gaussian blur, and compose, which chains them. Each
// transforms every image independently with its own draw; two views of one
// batch come from two requests that differ in Seed or Step.
package positive

import (
	"context"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// op is one per-image transform.
type op struct {
	name, doc string
	params    []core.Param
	// apply transforms img (C×H×W, values in [-1, 1]) in place.
	apply func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int)
}

// View is a positive augmentation plugin built from one op. It has no state.
type View struct{ op op }

// Describe implements core.Component.
func (v *View) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: v.op.name, Version: "0.1.0",
		Doc: v.op.doc, Roles: []string{core.RolePositive}, Params: v.op.params,
	}, nil
}

// Apply implements core.Augmentation: every image gets its own draw.
func (v *View) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := v.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	out := in.Clone()
	r := request.Rand(desc, req, "view")
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	for i := range in.N() {
		v.op.apply(r, cfg, out.Sample(i), c, h, w)
	}
	return out, nil
}

// NewCrop returns the crop view: a random resized crop.
func NewCrop() *View { return &View{op: cropOp()} }

// NewFlip returns the flip view: a random horizontal flip.
func NewFlip() *View { return &View{op: flipOp()} }

// NewJitter returns the jitter view: random brightness and contrast.
func NewJitter() *View { return &View{op: jitterOp()} }

// NewGrayscale returns the grayscale view: colour dropped at random.
func NewGrayscale() *View { return &View{op: grayscaleOp()} }

// NewBlur returns the blur view: a Gaussian blur of random sigma.
func NewBlur() *View { return &View{op: blurOp()} }

// probability declares the usual "p" parameter.
func probability(def float64, doc string) core.Param {
	return core.Param{Name: "p", Type: core.TypeFloat, Default: def, Min: core.Bound(0),
		Max: core.Bound(1), Doc: doc}
}
