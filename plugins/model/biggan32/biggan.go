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
// with spectral norm on every convolution, linear layer and embedding of
// both networks, class-conditional batch norm in G when classes > 0, and the
// NDA hinge loss of plugins/model/internal/gan. width is 256 in the paper
// (for a GPU); the default is small so that CPU runs finish.
//
// TODO(ndalab): BigGAN's conditional batch norm takes its gains from a
// shared class embedding concatenated with a chunk of z (hierarchical
// latents); here each class has its own gain and bias table, which matches
// the class-conditional model but not BigGAN's parameter count.
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
		Version: "0.1.0",
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
		Classes: cfg.Int("classes"), Workers: workers}
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
	Channels, Width, ZDim, Classes, Workers int
}
