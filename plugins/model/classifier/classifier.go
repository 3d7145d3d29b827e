// Package classifier is the "classifier" model plugin: a small convolutional
// network trained with cross-entropy, whose penultimate features are the
// feature space of FID and the other feature-based metrics (Embed).
//
//	conv4×4/2 width → lrelu → conv4×4/2 2·width → lrelu → linear feat → relu
//	→ linear classes
//
// It runs on the kernels of core/backend/kernels through the layers of
// core/backend/nn, like the GAN models, and checkpoints in the
// backend's format with the backend's Adam.
package classifier

import (
	"context"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// Name is the plugin's name.
const Name = "classifier"

const component = "model/" + Name

// Model is the classifier plugin; it serves one goroutine at a time.
type Model struct {
	sample  [3]int
	classes int
	feat    int
	seed    int64

	net          *nn.Net
	conv1, conv2 *nn.Conv
	fc1, fc2     *nn.Linear
	opt          *backend.Adam // nil before Init

	grad []float32
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{} }

// Describe returns the model's descriptor.
func (m *Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindModel,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "small conv net trained with cross-entropy; its penultimate features embed images",
		Params: append([]core.Param{
			{Name: "channels", Type: core.TypeInt, Default: 1, Doc: "image channels",
				Min: core.Bound(1), Max: core.Bound(4)},
			{Name: "size", Type: core.TypeInt, Default: 28,
				Doc: "image height and width, a multiple of 4", Min: core.Bound(8), Max: core.Bound(256)},
			{Name: "classes", Type: core.TypeInt, Default: 10, Doc: "number of classes",
				Min: core.Bound(2), Max: core.Bound(100000)},
			{Name: "width", Type: core.TypeInt, Default: 32,
				Doc: "channels of the first convolution (the second has twice as many)",
				Min: core.Bound(1), Max: core.Bound(1024)},
			{Name: "feat_dim", Type: core.TypeInt, Default: 128,
				Doc: "dimension of the penultimate features that Embed returns",
				Min: core.Bound(1), Max: core.Bound(8192)},
			{Name: "lr", Type: core.TypeFloat, Default: 1e-3, Doc: "Adam learning rate",
				Min: core.Bound(0)},
		}, nn.ComputeParams(0)...),
		Capabilities: []string{core.CapTrain, core.CapEmbed, core.CapClassify},
	}, nil
}

// weightStd is the initial weights' standard deviation; with ReLU-type
// activations and fan-ins of 16 to 3,136 it keeps activations of order one
// through the first steps.
const weightStd = 0.05

// Init builds the network; seed fixes the initial weights.
func (m *Model) Init(ctx context.Context, cfg core.Config, seed int64) error {
	desc, _ := m.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	size := cfg.Int("size")
	if size%4 != 0 {
		return fmt.Errorf("init %s: %w: parameter \"size\" is %d, want a multiple of 4",
			component, core.ErrInvalidArgument, size)
	}
	compute, err := nn.ComputeOf(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	workers := compute.Workers
	c, w, feat := cfg.Int("channels"), cfg.Int("width"), cfg.Int("feat_dim")
	n := Model{sample: [3]int{c, size, size}, classes: cfg.Int("classes"), feat: feat, seed: seed,
		net: nn.NewNet("C", seed, workers)}
	n.conv1 = nn.NewConv(n.net, "conv1", kernels.ConvShape{
		C: c, H: size, W: size, K: w, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	n.conv2 = nn.NewConv(n.net, "conv2", kernels.ConvShape{
		C: w, H: size / 2, W: size / 2, K: 2 * w, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	flat := 2 * w * (size / 4) * (size / 4)
	n.fc1 = nn.NewLinear(n.net, "fc1", flat, feat, true, weightStd).WithAct(kernels.ReLU, 0)
	n.fc2 = nn.NewLinear(n.net, "fc2", feat, n.classes, true, weightStd)
	n.opt, err = backend.NewAdam(n.net.Params, backend.AdamConfig{
		LR: cfg.Float("lr"), Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	*m = n
	return nil
}

func (m *Model) ready(op string) error {
	if m.opt == nil {
		return fmt.Errorf("%s %s: %w: call Init first", op, component, core.ErrFailedPrecondition)
	}
	return nil
}

// check validates an input batch; labels are required when needLabels.
func (m *Model) check(op string, b *core.Batch, needLabels bool) error {
	if b == nil {
		return fmt.Errorf("%s %s: %w: no batch", op, component, core.ErrInvalidArgument)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("%s %s: %w", op, component, err)
	}
	if [3]int(b.Shape[1:]) != m.sample || b.N() == 0 {
		return fmt.Errorf("%s %s: %w: batch shape %v, want N×%d×%d×%d with N > 0",
			op, component, core.ErrInvalidArgument, b.Shape, m.sample[0], m.sample[1], m.sample[2])
	}
	if !needLabels {
		return nil
	}
	if b.Labels == nil {
		return fmt.Errorf("%s %s: %w: batch has no labels", op, component, core.ErrInvalidArgument)
	}
	for i, y := range b.Labels {
		if y < 0 || int(y) >= m.classes {
			return fmt.Errorf("%s %s: %w: label %d is %d, want 0..%d",
				op, component, core.ErrInvalidArgument, i, y, m.classes-1)
		}
	}
	return nil
}

// forward returns n×classes logits; the features stay in fc1's output.
func (m *Model) forward(n int, x []float32) []float32 {
	h := m.conv1.Forward(n, x)
	h = m.conv2.Forward(n, h)
	h = m.fc1.Forward(n, h)
	return m.fc2.Forward(n, h)
}

// Step trains on req.Real (core.PhaseTrain) with one Adam update and
// returns the batch's mean cross-entropy ("loss") and its accuracy before
// the update ("accuracy").
func (m *Model) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := m.ready("step"); err != nil {
		return nil, err
	}
	if req.Phase != core.PhaseTrain {
		return nil, fmt.Errorf("step %s: %w: phase %q (want %q)",
			component, core.ErrInvalidArgument, req.Phase, core.PhaseTrain)
	}
	if err := m.check("step", req.Real, true); err != nil {
		return nil, err
	}
	n := req.Real.N()
	logits := m.forward(n, req.Real.Data)
	m.grad = nn.Resize(m.grad, n*m.classes)
	loss, correct := crossEntropy(logits, req.Real.Labels, m.classes, m.grad)

	m.net.ZeroGrad()
	d := m.fc2.Backward(m.grad, true, true)
	d = m.fc1.Backward(d, true, true)
	d = m.conv2.Backward(d, true, true)
	m.conv1.Backward(d, false, true)
	if err := m.opt.Step(m.net.Grads()); err != nil {
		panic(fmt.Sprintf("%s: adam: %v", component, err))
	}
	return core.StepResult{"loss": loss, "accuracy": float64(correct) / float64(n)}, nil
}

// crossEntropy returns the mean softmax cross-entropy of n×k logits and the
// number of rows whose largest logit is the label, and writes the gradient
// (softmax - onehot)/n into grad.
func crossEntropy(logits []float32, labels []int32, k int, grad []float32) (float64, int) {
	n := len(labels)
	var loss float64
	correct := 0
	for i, y := range labels {
		row := logits[i*k : (i+1)*k]
		g := grad[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == int(y) {
			correct++
		}

		// Shift by the maximum so exp never overflows.
		mx := float64(row[best])
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - mx)
		}
		loss += (mx + math.Log(sum) - float64(row[y])) / float64(n)
		for j, v := range row {
			g[j] = float32(math.Exp(float64(v)-mx) / sum / float64(n))
		}
		g[y] -= float32(1 / float64(n))
	}
	return loss, correct
}

// evalChunk bounds the batch of one Embed or Classify forward.
const evalChunk = 256

// Embed returns the penultimate features, N×feat_dim×1×1, labels kept.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("embed"); err != nil {
		return nil, err
	}
	if err := m.check("embed", in, false); err != nil {
		return nil, err
	}
	out := core.NewBatch(in.N(), m.feat, 1, 1)
	out.Labels = in.Labels
	size := m.sample[0] * m.sample[1] * m.sample[2]
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embed %s: %w: %v", component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		m.forward(hi-lo, in.Data[lo*size:hi*size])
		copy(out.Data[lo*m.feat:], m.fc1.Output())
	}
	return out, nil
}

// Classify returns the class logits, N×classes×1×1, labels kept.
func (m *Model) Classify(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("classify"); err != nil {
		return nil, err
	}
	if err := m.check("classify", in, false); err != nil {
		return nil, err
	}
	out := core.NewBatch(in.N(), m.classes, 1, 1)
	out.Labels = in.Labels
	size := m.sample[0] * m.sample[1] * m.sample[2]
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("classify %s: %w: %v", component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		copy(out.Data[lo*m.classes:], m.forward(hi-lo, in.Data[lo*size:hi*size]))
	}
	return out, nil
}

// Save returns a checkpoint in the backend's format (weights, Adam state).
func (m *Model) Save(context.Context) ([]byte, error) {
	if err := m.ready("save"); err != nil {
		return nil, err
	}
	data, err := nn.EncodeSeeded(m.seed, m.net.Params, m.opt)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", component, err)
	}
	return data, nil
}

// Load restores a checkpoint of the same architecture.
func (m *Model) Load(_ context.Context, data []byte) error {
	if err := m.ready("load"); err != nil {
		return err
	}
	seed, err := nn.DecodeSeeded(data, m.net.Params, m.opt)
	if err != nil {
		return fmt.Errorf("load %s: %w", component, err)
	}
	m.seed = seed
	return nil
}
