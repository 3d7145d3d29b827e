// Package biggan32 is the "biggan32" model plugin: the residual BigGAN
// generator and discriminator for 32×32 images that Sinha et al. (2021)
// train on CIFAR-10 (after Brock et al. 2019):
//
//	G: z → linear 4·4·w (→ w×4×4) → 3 up-blocks (4→8→16→32)
//	   → BN → ReLU → conv3×3 C → tanh
//	   up-block: BN → ReLU → up2 → conv3×3 → BN → ReLU → conv3×3,
//	             + shortcut up2 → conv1×1
//	D: 4 blocks (32→16→8, then 8, 8) → ReLU → global sum pool → linear 1
//	   (+ projection ⟨embed[y], h⟩ when conditional)
//	   block: [ReLU] → conv3×3 → ReLU → conv3×3 [→ avgpool2],
//	          + shortcut (conv1×1 and avgpool2 where the shape changes)
//
// with spectral norm on every convolution and linear layer of both networks
// and on D's embedding, and the NDA hinge loss of
// plugins/model/internal/gan. width is 256 in the paper (for a GPU); the
// default is small so that CPU runs finish.
//
// Conditioning. With classes > 0 and shared_dim > 0, G follows BigGAN's
// shared embedding and hierarchical latents: z (z_dim, a multiple of 4) is
// cut into 4 equal chunks; the first feeds the linear layer, and the batch
// norms of up-block k take their per-sample gain 1 + Wg·c and bias Wb·c from
// c = [shared[y], chunk k+1], shared being a classes×shared_dim embedding
// (not spectral-normalised, as in BigGAN) and Wg, Wb spectral-normalised
// linear maps without bias, one pair per batch norm. With shared_dim = 0 each
// class has its own gain and bias table in every conditional batch norm and
// all of z feeds the linear layer (the form of BigGAN-PyTorch without
// G_shared). Unconditional models use plain batch norm and the whole of z.
// G's output batch norm is always unconditional.
package biggan32

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/plugins/model/internal/gan"
)

// Name is the plugin's name.
const Name = "biggan32"

const component = "model/" + Name

// size is the image height and width.
const size = 32

// Model is the biggan32 plugin; it serves one goroutine at a time.
type Model struct {
	gan.Plugin // Step, Generate, Score, Embed, Save, Load
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{Plugin: gan.Plugin{Component: component}} }

// Describe returns the model's descriptor.
func (m *Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindModel,
		Name:    Name,
		Version: "0.3.0",
		Doc:     "BigGAN residual G and D for 32×32 images, spectral norm, hinge loss with NDA",
		Params: append([]core.Param{
			{Name: "channels", Type: core.TypeInt, Default: 3, Doc: "image channels",
				Min: core.Bound(1), Max: core.Bound(4)},
			{Name: "width", Type: core.TypeInt, Default: 32,
				Doc: "channels of every block; the paper uses 256 (GPU)",
				Min: core.Bound(1), Max: core.Bound(1024)},
			{Name: "z_dim", Type: core.TypeInt, Default: 128, Doc: "noise dimension",
				Min: core.Bound(1), Max: core.Bound(4096)},
			{Name: "classes", Type: core.TypeInt, Default: 0,
				Doc: "classes for the conditional model (projection D, conditional BN); 0 = unconditional",
				Min: core.Bound(0), Max: core.Bound(1000)},
			{Name: "shared_dim", Type: core.TypeInt, Default: 16,
				Doc: "size of G's shared class embedding, which with a chunk of z sets " +
					"each BN's gains (BigGAN: 128 at width 256); 0 = a gain table per class",
				Min: core.Bound(0), Max: core.Bound(1024)},
		}, append(nn.ComputeParams(0),
			gan.OptimParams(gan.Optim{LRG: 2e-4, LRD: 2e-4, Beta2: 0.999, EMADecay: 0.9999,
				EMAStart: 1000})...)...),
		Capabilities: []string{core.CapTrain, core.CapGenerate, core.CapScore, core.CapEmbed},
	}, nil
}

// Init builds G and D from a config; seed fixes the weights and the noise.
func (m *Model) Init(ctx context.Context, cfg core.Config, seed int64) error {
	desc, _ := m.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	compute, err := nn.ComputeOf(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	workers := compute.Workers
	a := arch{Channels: cfg.Int("channels"), Width: cfg.Int("width"), ZDim: cfg.Int("z_dim"),
		Classes: cfg.Int("classes"), SharedDim: cfg.Int("shared_dim"), Workers: workers}
	if a.hierarchical() && a.ZDim%zSlots != 0 {
		return fmt.Errorf("init %s: %w: z_dim %d is not a multiple of %d: with classes > 0 "+
			"and shared_dim > 0, z is cut into %d equal chunks (or set shared_dim: 0)",
			component, core.ErrInvalidArgument, a.ZDim, zSlots, zSlots)
	}
	g, d := newGenerator(a, seed), newDiscriminator(a, seed)
	t, err := gan.NewTrainer(gan.Spec{
		Component: component, Sample: [3]int{a.Channels, size, size},
		ZDim: a.ZDim, Classes: a.Classes, FeatDim: a.Width,
		Optim: gan.OptimOf(cfg),
	}, g, d, seed)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	m.T = t
	return nil
}

// arch is what a resolved config fixes.
type arch struct {
	Channels, Width, ZDim, Classes, SharedDim, Workers int
}

// zSlots is the number of chunks hierarchical latents cut z into: one for
// G's linear layer and one per up-block.
const zSlots = 4

// hierarchical reports whether G uses the shared embedding and z chunks.
func (a arch) hierarchical() bool { return a.Classes > 0 && a.SharedDim > 0 }
