package gan

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// Trainer trains one generator and discriminator. It serves one goroutine
// at a time, as the plugin host calls a model.
type Trainer struct {
	Spec       Spec
	Seed       int64
	G          Generator
	D          Discriminator
	OptG, OptD *backend.Adam
	EMA        *backend.EMA // nil without EMA

	// The fake batch of the last D step, for the G step of the same step.
	cached      bool
	cachedStep  int64
	fake        []float32
	fakeLabels  []int32
	gStepsTaken int64

	// Scratch reused by every step.
	z, dIn, dLogit []float32
	dLabels        []int32
}

// NewTrainer sets up Adam for both networks and, with a decay, the EMA of G.
func NewTrainer(spec Spec, g Generator, d Discriminator, seed int64) (*Trainer, error) {
	t := &Trainer{Spec: spec, Seed: seed, G: g, D: d}
	adam := func(lr float64) backend.AdamConfig {
		return backend.AdamConfig{LR: lr, Beta1: spec.Beta1, Beta2: spec.Beta2, Eps: 1e-8}
	}
	var err error
	if t.OptG, err = backend.NewAdam(g.Net().Params, adam(spec.LRG)); err != nil {
		return nil, err
	}
	if t.OptD, err = backend.NewAdam(d.Net().Params, adam(spec.LRD)); err != nil {
		return nil, err
	}
	if spec.EMADecay > 0 {
		if t.EMA, err = backend.NewEMA(g.Net().Params, spec.EMADecay, spec.EMAStart); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// CheckSamples validates a batch against the sample shape and, for a
// conditional model when needLabels, its labels.
func (t *Trainer) CheckSamples(op, what string, b *core.Batch, needLabels bool) error {
	c := t.Spec.Component
	if b == nil {
		return fmt.Errorf("%s %s: %w: no %s batch", op, c, core.ErrInvalidArgument, what)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("%s %s: %s batch: %w", op, c, what, err)
	}
	if [3]int(b.Shape[1:]) != t.Spec.Sample || b.N() == 0 {
		s := t.Spec.Sample
		return fmt.Errorf("%s %s: %w: %s batch has shape %v, want N×%d×%d×%d with N > 0",
			op, c, core.ErrInvalidArgument, what, b.Shape, s[0], s[1], s[2])
	}
	if needLabels && t.Spec.Classes > 0 {
		if b.Labels == nil {
			return fmt.Errorf("%s %s: %w: %s batch has no labels, and the model is conditional",
				op, c, core.ErrInvalidArgument, what)
		}
		if err := t.checkLabels(op, what, b.Labels); err != nil {
			return err
		}
	}
	return nil
}

func (t *Trainer) checkLabels(op, what string, labels []int32) error {
	for i, y := range labels {
		if y < 0 || int(y) >= t.Spec.Classes {
			return fmt.Errorf("%s %s: %w: %s label %d is %d, want 0..%d",
				op, t.Spec.Component, core.ErrInvalidArgument, what, i, y, t.Spec.Classes-1)
		}
	}
	return nil
}

// Noise draws n×ZDim standard normal values and, when conditional, n
// labels, keyed by (seed, index, purpose) so call order never matters. The
// values live in the trainer's scratch until the next call.
func (t *Trainer) Noise(seed, index int64, purpose string, n int) ([]float32, []int32) {
	r := core.NewRand(seed, t.Spec.Component, index, purpose)
	t.z = nn.Resize(t.z, n*t.Spec.ZDim)
	for i := range t.z {
		t.z[i] = float32(r.NormFloat64())
	}
	if t.Spec.Classes == 0 {
		return t.z, nil
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(r.IntN(t.Spec.Classes))
	}
	return t.z, labels
}

// checkpointMeta is what a checkpoint carries besides tensors.
type checkpointMeta struct {
	Seed        int64 `json:"seed"`
	GStepsTaken int64 `json:"g_steps"`
}

// parts lists every checkpointed tensor group in a fixed order.
func (t *Trainer) parts() []backend.Stateful {
	parts := []backend.Stateful{t.G.Net().Params, t.D.Net().Params, t.OptG, t.OptD}
	if t.EMA != nil {
		parts = append(parts, t.EMA)
	}
	return parts
}

// Save returns a checkpoint in the backend's format: weights, batch-norm
// and spectral-norm state, Adam moments, the EMA, the seed and step count.
func (t *Trainer) Save(context.Context) ([]byte, error) {
	meta, err := json.Marshal(checkpointMeta{Seed: t.Seed, GStepsTaken: t.gStepsTaken})
	if err != nil {
		return nil, fmt.Errorf("save %s: %w: %v", t.Spec.Component, core.ErrInternal, err)
	}
	data, err := backend.EncodeCheckpoint(meta, t.parts()...)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", t.Spec.Component, err)
	}
	return data, nil
}

// Load restores a checkpoint made by Save from a model of the same
// architecture; another architecture is core.ErrFailedPrecondition.
func (t *Trainer) Load(_ context.Context, data []byte) error {
	metaRaw, err := backend.DecodeCheckpoint(data, t.parts()...)
	if err != nil {
		return fmt.Errorf("load %s: %w", t.Spec.Component, err)
	}
	var meta checkpointMeta
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		return fmt.Errorf("load %s: %w: checkpoint metadata: %v",
			t.Spec.Component, core.ErrInvalidArgument, err)
	}
	t.Seed, t.gStepsTaken = meta.Seed, meta.GStepsTaken
	t.cached = false
	return nil
}
