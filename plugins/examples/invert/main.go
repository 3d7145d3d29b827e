// Command ndalab-augmentation-invert is an example of an ndalab plugin
// written outside ndalab: it imports only the core vocabulary and the SDK.
// Build it, put it on NDALAB_PLUGIN_PATH, and ndalab finds it:
//
//	go build -o ~/.local/share/ndalab/plugins/ndalab-augmentation-invert .
//	ndalab plugins describe invert
//
// It makes negatives by inverting intensities (x -> -x in [-1, 1]) of a
// random subset of channels per image: the shapes survive, the pixel
// statistics do not, which is what a discriminator should learn to reject.
package main

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk"
)

func main() { sdk.Serve(&invert{}) }

type invert struct{}

func (*invert) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindAugmentation,
		Name:    "invert",
		Version: "1.0.0",
		Doc:     "negatives by inverting the intensities of some channels of each image",
		Roles:   []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "p", Type: core.TypeFloat, Default: 1.0, Min: core.Bound(0), Max: core.Bound(1),
				Doc: "probability that each channel is inverted; at least one channel always is"},
		},
	}, nil
}

func (*invert) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("invert: %w", err)
	}
	out := in.Clone()
	rng := core.NewRand(req.Seed, "augmentation/invert", req.Step, "channels")
	p := req.Config.Float("p")
	channels, plane := in.Shape[1], in.Shape[2]*in.Shape[3]
	for i := 0; i < in.N(); i++ {
		forced := rng.IntN(channels) // never leave an image untouched
		sample := out.Sample(i)
		for c := 0; c < channels; c++ {
			if c != forced && rng.Float64() >= p {
				continue
			}
			for j := c * plane; j < (c+1)*plane; j++ {
				sample[j] = -sample[j]
			}
		}
	}
	return out, nil
}
