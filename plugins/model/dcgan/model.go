package dcgan

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/plugins/model/internal/nn"
)

// Name is the plugin's name, and the component key of its randomness.
const Name = "dcgan"

const component = "model/" + Name

// Model is the dcgan model plugin. It serves one goroutine at a time, as
// the plugin host calls it.
type Model struct {
	a     arch
	seed  int64
	ready bool

	g          *generator
	d          *discriminator
	optG, optD *backend.Adam
	ema        *backend.EMA // nil without EMA

	// The fake batch of the last D step, kept for the G step of the same
	// global step (see the package doc).
	cached      bool
	cachedStep  int64
	fake        []float32
	fakeLabels  []int32
	gStepsTaken int64

	// Scratch reused by every step.
	z, dIn, dGrad, dLogit []float32
	dLabels               []int32
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

// Init builds the networks from a resolved config; seed fixes the initial
// weights and every later noise draw.
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
	*m = Model{a: a, seed: seed}
	m.g = newGenerator(a, seed)
	m.d = newDiscriminator(a, seed)
	adam := func(lr float64) backend.AdamConfig {
		return backend.AdamConfig{LR: lr, Beta1: a.Beta1, Beta2: a.Beta2, Eps: 1e-8}
	}
	if m.optG, err = backend.NewAdam(m.g.net.Params, adam(a.LRG)); err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	if m.optD, err = backend.NewAdam(m.d.net.Params, adam(a.LRD)); err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	if a.EMADecay > 0 {
		if m.ema, err = backend.NewEMA(m.g.net.Params, a.EMADecay, a.EMAStart); err != nil {
			return fmt.Errorf("init %s: %w", component, err)
		}
	}
	m.ready = true
	return nil
}

func (m *Model) checkReady(op string) error {
	if !m.ready {
		return fmt.Errorf("%s %s: %w: call Init first", op, component, core.ErrFailedPrecondition)
	}
	return nil
}

// checkImages validates a batch against the configured image shape.
func (m *Model) checkImages(op, what string, b *core.Batch, needLabels bool) error {
	if b == nil {
		return fmt.Errorf("%s %s: %w: no %s batch", op, component, core.ErrInvalidArgument, what)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("%s %s: %s batch: %w", op, component, what, err)
	}
	want := [3]int{m.a.Channels, m.a.Size, m.a.Size}
	if [3]int(b.Shape[1:]) != want || b.N() == 0 {
		return fmt.Errorf("%s %s: %w: %s batch has shape %v, want N×%d×%d×%d with N > 0",
			op, component, core.ErrInvalidArgument, what, b.Shape, want[0], want[1], want[2])
	}
	if needLabels && m.a.Classes > 0 {
		if b.Labels == nil {
			return fmt.Errorf("%s %s: %w: %s batch has no labels, and the model is conditional",
				op, component, core.ErrInvalidArgument, what)
		}
		for i, y := range b.Labels {
			if y < 0 || int(y) >= m.a.Classes {
				return fmt.Errorf("%s %s: %w: %s label %d is %d, want 0..%d",
					op, component, core.ErrInvalidArgument, what, i, y, m.a.Classes-1)
			}
		}
	}
	return nil
}

// noise draws n×ZDim standard normal values and, when conditional, n labels,
// keyed by (seed, purpose, index) so call order never matters.
func (m *Model) noise(seed int64, index int64, purpose string, n int) ([]float32, []int32) {
	r := core.NewRand(seed, component, index, purpose)
	m.z = grow(m.z, n*m.a.ZDim)
	for i := range m.z {
		m.z[i] = float32(r.NormFloat64())
	}
	return m.z, m.labels(r, n)
}

func (m *Model) labels(r *rand.Rand, n int) []int32 {
	if m.a.Classes == 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(r.IntN(m.a.Classes))
	}
	return out
}

// checkpointMeta is what a checkpoint carries besides tensors.
type checkpointMeta struct {
	Seed        int64 `json:"seed"`
	GStepsTaken int64 `json:"g_steps"`
}

// parts lists every checkpointed tensor group in a fixed order.
func (m *Model) parts() []backend.Stateful {
	parts := []backend.Stateful{m.g.net.Params, m.d.net.Params, m.optG, m.optD}
	if m.ema != nil {
		parts = append(parts, m.ema)
	}
	return parts
}

// Save returns a checkpoint in the backend's format: weights, batch-norm
// and spectral-norm state, Adam moments, the EMA, the seed and step count.
func (m *Model) Save(ctx context.Context) ([]byte, error) {
	if err := m.checkReady("save"); err != nil {
		return nil, err
	}
	meta, err := json.Marshal(checkpointMeta{Seed: m.seed, GStepsTaken: m.gStepsTaken})
	if err != nil {
		return nil, fmt.Errorf("save %s: %w: %v", component, core.ErrInternal, err)
	}
	data, err := nn.EncodeCheckpoint(meta, m.parts()...)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", component, err)
	}
	return data, nil
}

// Load restores a checkpoint made by Save from a model of the same
// architecture; another architecture is core.ErrFailedPrecondition.
func (m *Model) Load(ctx context.Context, data []byte) error {
	if err := m.checkReady("load"); err != nil {
		return err
	}
	metaRaw, err := nn.DecodeCheckpoint(data, m.parts()...)
	if err != nil {
		return fmt.Errorf("load %s: %w", component, err)
	}
	var meta checkpointMeta
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		return fmt.Errorf("load %s: %w: checkpoint metadata: %v", component, core.ErrInvalidArgument, err)
	}
	m.seed, m.gStepsTaken = meta.Seed, meta.GStepsTaken
	m.cached = false
	return nil
}
