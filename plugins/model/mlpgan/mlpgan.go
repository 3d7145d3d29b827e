// Package mlpgan is the "mlp-gan" model plugin: multilayer-perceptron G and
// D for 2-D toy data (points as N×2×1×1 batches), trained with the NDA hinge
// loss of plugins/model/internal/gan. It is the quick model of the toy
// experiments: a few hundred steps learn a ring of Gaussians on one core.
//
// The defaults (spectral norm on D, Adam(1e-3, 0, 0.9), as SN-GAN uses)
// were chosen because they cover all eight modes of the ring test within
// 600 steps, where DCGAN's Adam(2e-4, 0.5, 0.999) without spectral norm
// collapsed onto one to three modes in the same budget.
package mlpgan

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/plugins/model/internal/gan"
)

// Name is the plugin's name.
const Name = "mlp-gan"

const component = "model/" + Name

// dims is the dimension of a point.
const dims = 2

// Model is the mlp-gan model plugin; it serves one goroutine at a time.
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
		Doc:     "MLP G and D for 2-D points (N×2×1×1), hinge loss with NDA negatives",
		Params: append([]core.Param{
			{Name: "z_dim", Type: core.TypeInt, Default: 8, Doc: "noise dimension",
				Min: core.Bound(1), Max: core.Bound(1024)},
			{Name: "hidden", Type: core.TypeInt, Default: 128, Doc: "units per hidden layer",
				Min: core.Bound(1), Max: core.Bound(8192)},
			{Name: "layers", Type: core.TypeInt, Default: 3, Doc: "hidden layers in G and in D",
				Min: core.Bound(1), Max: core.Bound(16)},
			{Name: "spectral_norm", Type: core.TypeBool, Default: true, Doc: "spectral norm on D"},
		}, append(nn.ComputeParams(1),
			gan.OptimParams(gan.Optim{LRG: 1e-3, LRD: 1e-3, Beta2: 0.9})...)...),
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
	zDim, hidden, layers := cfg.Int("z_dim"), cfg.Int("hidden"), cfg.Int("layers")
	g := newMLP("G", seed, workers, zDim, hidden, layers, dims, kernels.ReLU, false)
	d := newMLP("D", seed, workers, dims, hidden, layers, 1, kernels.LeakyReLU, cfg.Bool("spectral_norm"))
	t, err := gan.NewTrainer(gan.Spec{
		Component: component, Sample: [3]int{dims, 1, 1}, ZDim: zDim, FeatDim: hidden,
		Optim: gan.OptimOf(cfg),
	}, g, asD{d}, seed)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	m.T = t
	return nil
}

// mlp is a stack of linear layers with activations between them; the last
// layer has none. It serves as the generator and as the discriminator.
type mlp struct {
	net    *nn.Net
	layers []*nn.Linear
	feats  []float32 // input of the last layer
}

// weightStd initialises the MLPs' weights; at 128 units it is close to
// PyTorch's default scale for the layer widths used here.
const weightStd = 0.1

func newMLP(name string, seed int64, workers, in, hidden, depth, out int,
	act kernels.Activation, sn bool) *mlp {
	m := &mlp{net: nn.NewNet(name, seed, workers)}
	for i := range depth + 1 {
		from, to := hidden, hidden
		if i == 0 {
			from = in
		}
		if i == depth {
			to = out
		}
		l := nn.NewLinear(m.net, fmt.Sprintf("fc%d", i), from, to, true, weightStd)
		if i < depth {
			l.WithAct(act, 0.2)
		}
		if sn {
			l.WithSpectralNorm(fmt.Sprintf("fc%d.sn", i))
		}
		m.layers = append(m.layers, l)
	}
	return m
}

// Net returns the MLP's tensors.
func (m *mlp) Net() *nn.Net { return m.net }

// Forward runs the stack; train and labels do not apply (no batch norm,
// unconditional).
func (m *mlp) Forward(n int, x []float32, _ []int32, _ bool) []float32 {
	for i, l := range m.layers {
		if i == len(m.layers)-1 {
			m.feats = x
		}
		x = l.Forward(n, x)
	}
	return x
}

// Backward backpropagates through every layer, always adding weight
// gradients (the generator's use).
func (m *mlp) Backward(dy []float32) { m.backward(dy, false, true) }

func (m *mlp) backward(dy []float32, needX, needW bool) []float32 {
	for i := len(m.layers) - 1; i >= 0; i-- {
		dy = m.layers[i].Backward(dy, i > 0 || needX, needW)
	}
	return dy
}

// asD adapts an mlp to the discriminator interface.
type asD struct{ *mlp }

func (d asD) Forward(n int, x []float32, labels []int32) []float32 {
	return d.mlp.Forward(n, x, labels, false)
}

func (d asD) Backward(dlogits []float32, needX, needW bool) []float32 {
	return d.backward(dlogits, needX, needW)
}

func (d asD) Features() []float32 { return d.feats }

func (d asD) UpdateSpectralNorm() {
	for _, l := range d.layers {
		if l.SN != nil {
			l.SN.Update()
		}
	}
}
