package gan

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// Plugin gives a GAN model plugin the methods of core.Model (except
// Describe and Init), core.Generator, core.Scorer and core.Embedder, each
// refusing to run before Init has set T. A plugin embeds it.
type Plugin struct {
	Component string   // "model/<name>"
	T         *Trainer // set by the plugin's Init
}

func (p *Plugin) ready(op string) error {
	if p.T == nil {
		return fmt.Errorf("%s %s: %w: call Init first", op, p.Component, core.ErrFailedPrecondition)
	}
	return nil
}

// Step runs one D update (core.PhaseD) or one G update (core.PhaseG).
func (p *Plugin) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := p.ready("step"); err != nil {
		return nil, err
	}
	return p.T.Step(ctx, req)
}

// Generate draws req.N samples with G in evaluation mode, from the EMA
// weights when req.EMA and the model keeps them.
func (p *Plugin) Generate(ctx context.Context, req core.GenerateRequest) (*core.Batch, error) {
	if err := p.ready("generate"); err != nil {
		return nil, err
	}
	return p.T.Generate(ctx, req)
}

// Score returns D's raw logits, N×1×1×1.
func (p *Plugin) Score(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := p.ready("score"); err != nil {
		return nil, err
	}
	return p.T.Score(ctx, in)
}

// Embed returns D's features, N×FeatDim×1×1.
func (p *Plugin) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := p.ready("embed"); err != nil {
		return nil, err
	}
	return p.T.Embed(ctx, in)
}

// Save returns a checkpoint in the backend's format.
func (p *Plugin) Save(ctx context.Context) ([]byte, error) {
	if err := p.ready("save"); err != nil {
		return nil, err
	}
	return p.T.Save(ctx)
}

// Load restores a checkpoint of the same architecture.
func (p *Plugin) Load(ctx context.Context, data []byte) error {
	if err := p.ready("load"); err != nil {
		return err
	}
	return p.T.Load(ctx, data)
}
