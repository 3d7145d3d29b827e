// Package request checks what every augmentation plugin receives before it
// transforms anything: the context, the role, the configuration against the
// descriptor and the input batch.
package request

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// Check validates req and in for the augmentation described by desc and
// returns the resolved configuration. An empty Role means the first role
// the descriptor declares. Errors name the component.
func Check(
	ctx context.Context, desc *core.Descriptor, req core.AugmentRequest, in *core.Batch,
) (core.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", desc.ID(), core.ErrCanceled, err)
	}
	if req.Role != "" && !slices.Contains(desc.Roles, req.Role) {
		return nil, fmt.Errorf("%w: %s: role %q not offered (roles: %s)",
			core.ErrInvalidArgument, desc.ID(), req.Role, strings.Join(desc.Roles, ", "))
	}
	cfg, err := desc.Resolve(req.Config)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, fmt.Errorf("%w: %s: no input batch", core.ErrInvalidArgument, desc.ID())
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("%s: input: %w", desc.ID(), err)
	}
	return cfg, nil
}

// Rand returns the generator for one purpose of one Apply call, keyed by
// (Seed, component, Step, role and purpose) and never by call order.
func Rand(desc *core.Descriptor, req core.AugmentRequest, purpose string) *rand.Rand {
	role := req.Role
	if role == "" && len(desc.Roles) > 0 {
		role = desc.Roles[0]
	}
	return core.NewRand(req.Seed, desc.ID(), req.Step, role+"/"+purpose)
}
