// Package mixup is the mixup negative augmentation: each image is blended
// with a partner, λ·self + (1-λ)·partner, with one λ ~ Beta(α, α) per batch;
// at the default α = 25 blends sit near 50/50.
package mixup

import (
	"context"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/draw"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// Mixup is the mixup plugin. It has no state.
type Mixup struct{}

// New returns the mixup augmentation.
func New() *Mixup { return &Mixup{} }

// Describe implements core.Component.
func (*Mixup) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "mixup", Version: "0.1.0",
		Doc:   "blend λ·self + (1-λ)·partner, one λ ~ Beta(alpha, alpha) per batch",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "alpha", Type: core.TypeFloat, Default: 25.0, Min: core.Bound(0.01),
				Max: core.Bound(1e4),
				Doc: "Beta(alpha, alpha) shape; 25 keeps λ near 0.5 (sd 0.07)"},
			draw.PairingParam(),
		},
	}, nil
}

// Apply implements core.Augmentation. The output keeps the "self" labels.
func (m *Mixup) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := m.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	lambda := float32(drawLambda(request.Rand(desc, req, "lambda"), cfg.Float("alpha")))
	partner := draw.Partners(request.Rand(desc, req, "pairing"), in.N(), cfg.String("pairing"))

	out := core.NewBatch(in.N(), in.Shape[1], in.Shape[2], in.Shape[3])
	out.Labels = append([]int32(nil), in.Labels...)
	for i, p := range partner {
		dst, self, other := out.Sample(i), in.Sample(i), in.Sample(p)
		for k := range dst {
			dst[k] = lambda*self[k] + (1-lambda)*other[k]
		}
	}
	return out, nil
}

// drawLambda is the one λ of a batch.
func drawLambda(r *rand.Rand, alpha float64) float64 { return draw.Beta(r, alpha, alpha) }
