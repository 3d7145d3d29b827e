// Package none is the identity augmentation, the baseline of every NDA
// comparison. The runner never calls it (the baseline sends no negatives);
// it exists so that listings and config validation know the name.
package none

import (
	"context"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// None is the identity plugin.
type None struct{}

// New returns the identity augmentation.
func New() *None { return &None{} }

// Describe implements core.Component.
func (*None) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "none", Version: "0.1.0",
		Doc:   "identity: the baseline, no negatives (the runner does not call it)",
		Roles: []string{core.RoleNegative, core.RolePositive},
	}, nil
}

// Apply implements core.Augmentation: it returns a copy of in.
func (n *None) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := n.Describe(ctx)
	if _, err := request.Check(ctx, desc, req, in); err != nil {
		return nil, err
	}
	return in.Clone(), nil
}
