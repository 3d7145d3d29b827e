// Package jigsaw is the jigsaw negative augmentation: each image is cut into
// k×k tiles that are put back in a random non-identity order.
package jigsaw

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/draw"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// Jigsaw is the jigsaw plugin. It has no state.
type Jigsaw struct{}

// New returns the jigsaw augmentation.
func New() *Jigsaw { return &Jigsaw{} }

// Describe implements core.Component.
func (*Jigsaw) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "jigsaw", Version: "0.1.0",
		Doc:   "k×k tiles in a random non-identity order, one permutation per image",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "k", Type: core.TypeInt, Default: 2, Min: core.Bound(2), Max: core.Bound(8),
				Doc: "tiles per side; rows and columns beyond k·floor(H/k) stay in place"},
			{Name: "faithful", Type: core.TypeBool, Default: false,
				Doc: "reassemble column-major like the paper's code, so one permutation in " +
					"k²!-1 (1 in 23 at k=2) returns the input unchanged"},
		},
	}, nil
}

// Apply implements core.Augmentation. The output keeps the input's labels.
func (j *Jigsaw) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := j.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	k := cfg.Int("k")
	_, c, h, w := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	if h < k || w < k {
		return nil, fmt.Errorf("%w: %s: %d×%d images cannot be cut into %d×%d tiles",
			core.ErrInvalidArgument, desc.ID(), h, w, k, k)
	}

	out := in.Clone()
	r := request.Rand(desc, req, "perm")
	for i := range in.N() {
		perm := draw.NonIdentityPerm(r, k*k)
		place(out.Sample(i), in.Sample(i), perm, layout{c: c, h: h, w: w, k: k},
			cfg.Bool("faithful"))
	}
	return out, nil
}

// layout is the geometry of one image and its tiles.
type layout struct{ c, h, w, k int }

// place writes into dst (a copy of src) the tiles of src so that output
// slot j holds source tile perm[j]. Source tiles are numbered row-major;
// output slots row-major, or column-major when faithful.
func place(dst, src []float32, perm []int, l layout, faithful bool) {
	th, tw := l.h/l.k, l.w/l.k
	for j, p := range perm {
		dy, dx := j/l.k, j%l.k
		if faithful {
			dy, dx = j%l.k, j/l.k
		}
		sy, sx := p/l.k, p%l.k
		for ch := range l.c {
			plane := ch * l.h * l.w
			for y := range th {
				d := plane + (dy*th+y)*l.w + dx*tw
				s := plane + (sy*th+y)*l.w + sx*tw
				copy(dst[d:d+tw], src[s:s+tw])
			}
		}
	}
}
