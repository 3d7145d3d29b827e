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
	a arch
	g *generator
	d *discriminator
	t *gan.Trainer // nil before Init
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{} }

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
		LRG: a.LRG, LRD: a.LRD, Beta1: a.Beta1, Beta2: a.Beta2,
		EMADecay: a.EMADecay, EMAStart: a.EMAStart,
	}, g, d, seed)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	*m = Model{a: a, g: g, d: d, t: t}
	return nil
}

func (m *Model) ready(op string) error {
	if m.t == nil {
		return fmt.Errorf("%s %s: %w: call Init first", op, component, core.ErrFailedPrecondition)
	}
	return nil
}

// Step runs one D update (core.PhaseD) or one G update (core.PhaseG).
func (m *Model) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := m.ready("step"); err != nil {
		return nil, err
	}
	return m.t.Step(ctx, req)
}

// Generate draws req.N images with G in evaluation mode, from the EMA
// weights when req.EMA and the model keeps them.
func (m *Model) Generate(ctx context.Context, req core.GenerateRequest) (*core.Batch, error) {
	if err := m.ready("generate"); err != nil {
		return nil, err
	}
	return m.t.Generate(ctx, req)
}

// Score returns D's raw logits, N×1×1×1.
func (m *Model) Score(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("score"); err != nil {
		return nil, err
	}
	return m.t.Score(ctx, in)
}

// Embed returns D's features (its last convolution's output), N×feat×1×1.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("embed"); err != nil {
		return nil, err
	}
	return m.t.Embed(ctx, in)
}

// Save returns a checkpoint in the backend's format.
func (m *Model) Save(ctx context.Context) ([]byte, error) {
	if err := m.ready("save"); err != nil {
		return nil, err
	}
	return m.t.Save(ctx)
}

// Load restores a checkpoint of the same architecture.
func (m *Model) Load(ctx context.Context, data []byte) error {
	if err := m.ready("load"); err != nil {
		return err
	}
	return m.t.Load(ctx, data)
}
