// Package choice is the augmentation that applies one of several named
// negative augmentations, drawn per batch or per image, each with the
// parameters its "params" entries give.
package choice

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/cutmix"
	"github.com/ndalab/ndalab/plugins/augment/cutout"
	"github.com/ndalab/ndalab/plugins/augment/jigsaw"
	"github.com/ndalab/ndalab/plugins/augment/mixup"
	"github.com/ndalab/ndalab/plugins/augment/request"
	"github.com/ndalab/ndalab/plugins/augment/rotate"
	"github.com/ndalab/ndalab/plugins/augment/stitch"
)

// ops returns the augmentations choice can apply, by name.
func ops() map[string]core.Augmentation {
	return map[string]core.Augmentation{
		"jigsaw": jigsaw.New(), "stitch": stitch.New(), "mixup": mixup.New(),
		"cutout": cutout.New(), "cutmix": cutmix.New(), "rotate": rotate.New(),
	}
}

// Choice is the choice plugin. It has no state.
type Choice struct{}

// New returns the choice augmentation.
func New() *Choice { return &Choice{} }

// Describe implements core.Component.
func (*Choice) Describe(context.Context) (*core.Descriptor, error) {
	names := make([]string, 0, 6)
	for n := range ops() {
		names = append(names, n)
	}
	slices.Sort(names)
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "choice", Version: "0.1.0",
		Doc:   "one of several negative augmentations, per batch or per image",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "ops", Type: core.TypeStrings, Default: "jigsaw,stitch,mixup,cutout,cutmix",
				Enum: names, Doc: "the augmentations to choose from, uniformly"},
			{Name: "per", Type: core.TypeString, Default: "batch", Enum: []string{"batch", "image"},
				Doc: "draw one augmentation per batch or one per image"},
			request.SubParam(),
		},
	}, nil
}

// Apply implements core.Augmentation. Each chosen augmentation runs with the
// request's Seed and Step, so a batch-level choice of jigsaw gives exactly
// what jigsaw alone gives.
//
// Per image, each augmentation runs once, on the sub-batch of the images
// that drew it, in the order those images have in the batch; an
// augmentation that pairs images (one with a "pairing" parameter: stitch,
// mixup, cutmix) draws the partners within that sub-batch. An image alone
// in drawing such an augmentation would have only itself to pair with and
// come back unchanged, so it runs together with one partner drawn
// uniformly from the rest of the batch, whose own result is dropped. A
// batch of one image is paired with itself, as the augmentation alone does.
func (c *Choice) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := c.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	names := cfg.Strings("ops")
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %s: parameter \"ops\" is empty", core.ErrInvalidArgument,
			desc.ID())
	}
	all := ops()
	inner := map[string]*core.Descriptor{}
	for name, a := range all {
		inner[name], _ = a.Describe(ctx)
	}
	configs, err := request.SubConfigs(desc.ID(), cfg.Strings("params"), inner)
	if err != nil {
		return nil, err
	}
	r := request.Rand(desc, req, "choice")
	apply := func(name string, b *core.Batch) (*core.Batch, error) {
		sub := core.AugmentRequest{Config: configs[name], Role: core.RoleNegative,
			Seed: req.Seed, Step: req.Step}
		out, err := all[name].Apply(ctx, sub, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", desc.ID(), err)
		}
		return out, nil
	}

	if cfg.String("per") == "batch" {
		return apply(names[r.IntN(len(names))], in)
	}

	// A lone image of an augmentation that pairs images takes a partner
	// from the rest of the batch along into its sub-batch.
	groups := plan(r, names, in.N())
	for g := range groups {
		grp := &groups[g]
		grp.members = grp.images
		if len(grp.images) == 1 && in.N() > 1 && pairs(inner[grp.name]) {
			lone := grp.images[0]
			partner := otherImage(request.Rand(desc, req, "partner/"+grp.name), lone, in.N())
			grp.members = []int{lone, partner}
		}
	}

	// Every group's sub-batch is a slice of one gathered batch, and the
	// output is written over that batch once the augmentations have read
	// it: large fresh buffers, more than the augmentations, are the cost.
	gathered, subs := gather(in, groups)
	results := make([]*core.Batch, len(groups))
	for g := range groups {
		if results[g], err = apply(groups[g].name, subs[g]); err != nil {
			return nil, err
		}
	}
	return scatter(in, gathered, groups, subs, results), nil
}

// group is the images of a batch that drew one augmentation, in batch
// order, and the images its sub-batch holds: the same, or a lone image and
// its partner.
type group struct {
	name    string
	images  []int
	members []int
}

// plan draws one of names for each of n images and returns the groups that
// are not empty, in the order of names. A name listed twice is drawn twice
// as often and still runs once.
func plan(r *rand.Rand, names []string, n int) []group {
	pick := make([]string, n)
	for i := range pick {
		pick[i] = names[r.IntN(len(names))]
	}

	var groups []group
	for _, name := range names {
		if slices.ContainsFunc(groups, func(g group) bool { return g.name == name }) {
			continue
		}
		g := group{name: name}
		for i, p := range pick {
			if p == name {
				g.images = append(g.images, i)
			}
		}
		if len(g.images) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// pairs reports whether the augmentation d describes combines each image
// with a partner; those declare the shared "pairing" parameter.
func pairs(d *core.Descriptor) bool {
	return slices.ContainsFunc(d.Params, func(p core.Param) bool { return p.Name == "pairing" })
}

// otherImage draws an image of a batch of n, n ≥ 2, other than i.
func otherImage(r *rand.Rand, i, n int) int {
	j := r.IntN(n - 1)
	if j >= i {
		j++
	}
	return j
}

// gather copies the members of each group, group after group, into one
// new batch and returns it and each group's sub-batch, a slice of it.
// Labels come along.
func gather(in *core.Batch, groups []group) (*core.Batch, []*core.Batch) {
	total := 0
	for _, g := range groups {
		total += len(g.members)
	}
	all := core.NewBatch(total, in.Shape[1], in.Shape[2], in.Shape[3])
	if in.Labels != nil {
		all.Labels = make([]int32, total)
	}

	subs := make([]*core.Batch, len(groups))
	size, at := in.SampleSize(), 0
	for g, grp := range groups {
		n := len(grp.members)
		sub := &core.Batch{Shape: in.Shape, Data: all.Data[at*size : (at+n)*size : (at+n)*size]}
		sub.Shape[0] = n
		for k, i := range grp.members {
			copy(sub.Sample(k), in.Sample(i))
		}
		if in.Labels != nil {
			sub.Labels = all.Labels[at : at+n : at+n]
			for k, i := range grp.members {
				sub.Labels[k] = in.Labels[i]
			}
		}
		subs[g] = sub
		at += n
	}
	return all, subs
}

// scatter puts each image's result back at its place in a batch shaped
// like in. It writes over the gathered batch, which the augmentations no
// longer read, unless a result shares memory with its input.
func scatter(in, gathered *core.Batch, groups []group, subs, results []*core.Batch) *core.Batch {
	out := core.NewBatch(0, in.Shape[1], in.Shape[2], in.Shape[3])
	out.Shape[0] = in.N()
	reuse := true
	for g := range groups {
		reuse = reuse && !shares(results[g], subs[g])
	}
	if reuse {
		out.Data = gathered.Data[:len(in.Data):len(in.Data)]
	} else {
		out.Data = make([]float32, len(in.Data))
	}
	out.Labels = slices.Clone(in.Labels)

	for g, grp := range groups {
		for k, i := range grp.images {
			copy(out.Sample(i), results[g].Sample(k))
		}
	}
	return out
}

// shares reports whether a's values start where b's do, as when an
// augmentation hands its input back.
func shares(a, b *core.Batch) bool {
	return len(a.Data) > 0 && len(b.Data) > 0 && &a.Data[0] == &b.Data[0]
}
