package positive

import (
	"context"
	"fmt"
	"slices"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// ops lists the views compose can chain, by name.
func ops() []op { return []op{cropOp(), flipOp(), jitterOp(), grayscaleOp(), blurOp()} }

// Compose is the compose plugin: it applies a list of views in order, each
// with the parameters its "params" entries give. It has no state.
type Compose struct{}

// NewCompose returns the compose augmentation.
func NewCompose() *Compose { return &Compose{} }

// Describe implements core.Component.
func (*Compose) Describe(context.Context) (*core.Descriptor, error) {
	var names []string
	for _, o := range ops() {
		names = append(names, o.name)
	}
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "compose", Version: "0.1.0",
		Doc:   "a chain of positive views in order (SimCLR-style)",
		Roles: []string{core.RolePositive},
		Params: []core.Param{
			{Name: "steps", Type: core.TypeStrings, Default: "crop,flip,jitter,grayscale",
				Enum: names,
				Doc:  "the views to apply, in order"},
			request.SubParam(),
		},
	}, nil
}

// Apply implements core.Augmentation.
func (cp *Compose) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := cp.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	steps := cfg.Strings("steps")
	if len(steps) == 0 {
		return nil, fmt.Errorf("%w: %s: parameter \"steps\" is empty", core.ErrInvalidArgument,
			desc.ID())
	}
	all := ops()
	inner := map[string]*core.Descriptor{}
	for _, o := range all {
		inner[o.name], _ = (&View{op: o}).Describe(ctx)
	}
	configs, err := request.SubConfigs(desc.ID(), cfg.Strings("params"), inner)
	if err != nil {
		return nil, err
	}
	out := in.Clone()
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	for k, name := range steps {
		o := all[slices.IndexFunc(all, func(o op) bool { return o.name == name })]
		vcfg := configs[name]
		// Each step draws from its own stream, so adding a step leaves the
		// draws of the others unchanged.
		r := request.Rand(desc, req, fmt.Sprintf("step/%d/%s", k, name))
		for i := range in.N() {
			o.apply(r, vcfg, out.Sample(i), c, h, w)
		}
	}
	return out, nil
}
