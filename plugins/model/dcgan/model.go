package dcgan

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/model/internal/gan"
)

// Name is the plugin's name.
const Name = "dcgan"

const component = "model/" + Name

// Model is the dcgan model plugin. It serves one goroutine at a time, as
// the plugin host calls it.
type Model struct {
	gan.Plugin // Step, Generate, Score, Embed, Save, Load

	a arch
	g *generator
	d *discriminator
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{Plugin: gan.Plugin{Component: component}} }

// Describe returns the model's descriptor.
func (m *Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindModel,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "DCGAN G and D (28 or 32 px, 1 or 3 channels), hinge loss with NDA negatives",
		Params:  params(),
		Capabilities: []string{core.CapTrain, core.CapGenerate, core.CapScore,
			core.CapEmbed},
	}, nil
}

// Init builds the networks from a config; seed fixes the initial weights
// and every later noise draw.
func (m *Model) Init(ctx context.Context, cfg core.Config, seed int64) error {
	desc, _ := m.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	a, err := archOf(cfg)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	g, d := newGenerator(a, seed), newDiscriminator(a, seed)
	t, err := gan.NewTrainer(gan.Spec{
		Component: component,
		Sample:    [3]int{a.Channels, a.Size, a.Size},
		ZDim:      a.ZDim, Classes: a.Classes, FeatDim: a.feat(),
		Optim: a.Optim,
	}, g, d, seed)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	*m = Model{Plugin: gan.Plugin{Component: component, T: t}, a: a, g: g, d: d}
	return nil
}
