package toy2d

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// Forbidden is the toy2d-forbidden negative augmentation: it replaces every
// point of a batch by a point drawn uniformly from the forbidden region of
// the same geometry, keeping the labels. It has no state.
type Forbidden struct{}

// NewForbidden returns the toy2d-forbidden augmentation.
func NewForbidden() *Forbidden { return &Forbidden{} }

// Describe implements core.Component.
func (*Forbidden) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "toy2d-forbidden", Version: "0.1.0",
		Doc:    "points drawn uniformly from toy2d's forbidden region (give the data set's geometry)",
		Roles:  []string{core.RoleNegative},
		Params: GeometryParams(),
	}, nil
}

// Apply implements core.Augmentation. in must be N×2×1×1.
func (f *Forbidden) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := f.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	if [3]int(in.Shape[1:]) != [3]int{2, 1, 1} {
		return nil, fmt.Errorf("%w: %s: input samples are %v, want points 2×1×1",
			core.ErrInvalidArgument, desc.ID(), in.Shape[1:])
	}
	g, err := GeometryFrom(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", desc.ID(), err)
	}
	out := in.Clone()
	r := request.Rand(desc, req, "points")
	for i := range in.N() {
		x, y := g.SampleForbidden(r)
		out.Data[2*i], out.Data[2*i+1] = float32(x), float32(y)
	}
	return out, nil
}
