// Package inceptionv3 is the "inception-v3" model plugin: a fixed feature
// network for FID and KID that embeds images with Inception-v3 weights the
// user supplies (plugins/metric/inception; docs/inception.md lists the
// file's tensors). Name it as an experiment's feature network:
//
//	features:
//	  model: {name: inception-v3, params: {weights: /data/pt_inception.safetensors}}
//
// It does not train: Step is unimplemented, and a checkpoint only records
// which weights and variant it holds, so a checkpoint of other weights is
// refused.
package inceptionv3

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/inception"
)

// Name is the plugin's name.
const Name = "inception-v3"

const component = "model/" + Name

// The network variants: pytorch-fid's blocks, or torchvision's.
const (
	variantFID         = "fid"
	variantTorchvision = "torchvision"
)

// Model is the plugin. Its network is read-only after Init.
type Model struct {
	net     *inception.Net
	variant string
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{} }

// Describe returns the model's descriptor.
func (*Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:         core.KindModel,
		Name:         Name,
		Version:      "0.1.0",
		Doc:          "Inception-v3 pool3 features (N×2048) from user-supplied weights, for FID/KID",
		Capabilities: []string{core.CapEmbed},
		Params: []core.Param{
			{Name: "weights", Type: core.TypeString,
				Doc: "safetensors file with torchvision's Inception3 tensor names (docs/inception.md)"},
			{Name: "variant", Type: core.TypeString, Default: variantFID,
				Enum: []string{variantFID, variantTorchvision},
				Doc:  "fid: pytorch-fid's blocks (FID as defined); torchvision: torchvision's"},
		},
	}, nil
}

// Init loads the weights; the seed is unused, since nothing is random.
func (m *Model) Init(ctx context.Context, cfg core.Config, seed int64) error {
	desc, _ := m.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	variant := cfg.String("variant")
	net, err := inception.Load(cfg.String("weights"), inception.Options{FIDVariant: variant == variantFID})
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	m.net, m.variant = net, variant
	return nil
}

func (m *Model) ready(op string) error {
	if m.net == nil {
		return fmt.Errorf("%s %s: %w: call Init first", op, component, core.ErrFailedPrecondition)
	}
	return nil
}

// Step is unimplemented: the network is fixed.
func (m *Model) Step(context.Context, core.StepRequest) (core.StepResult, error) {
	return nil, fmt.Errorf("step %s: %w: a fixed feature network does not train",
		component, core.ErrUnimplemented)
}

// Embed returns the pool3 features, N×2048×1×1, labels kept.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("embed"); err != nil {
		return nil, err
	}
	out, err := m.net.Features(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("embed %s: %w", component, err)
	}
	out.Labels = in.Labels
	return out, nil
}

// checkpoint is all a checkpoint holds: which network it was.
type checkpoint struct {
	Model   string `json:"model"`
	Variant string `json:"variant"`
	Weights string `json:"weights_sha256"`
}

// Save returns the checkpoint naming the weights and variant.
func (m *Model) Save(ctx context.Context) ([]byte, error) {
	if err := m.ready("save"); err != nil {
		return nil, err
	}
	return json.Marshal(checkpoint{Model: Name, Variant: m.variant, Weights: m.net.Hash()})
}

// Load accepts only a checkpoint of the network already loaded.
func (m *Model) Load(ctx context.Context, data []byte) error {
	if err := m.ready("load"); err != nil {
		return err
	}
	var c checkpoint
	if err := json.Unmarshal(data, &c); err != nil || c.Model != Name {
		return fmt.Errorf("load %s: %w: not an %s checkpoint", component, core.ErrInvalidArgument, Name)
	}
	if c.Weights != m.net.Hash() || c.Variant != m.variant {
		return fmt.Errorf("load %s: %w: the checkpoint is for weights %.12s (%s), this model holds %.12s (%s)",
			component, core.ErrInvalidArgument, c.Weights, c.Variant, m.net.Hash(), m.variant)
	}
	return nil
}
