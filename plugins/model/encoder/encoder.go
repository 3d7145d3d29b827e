// Package encoder is the "encoder" model plugin: a small convolutional
// encoder with one residual block and a projection head, trained with
// InfoNCE whose denominators also hold each anchor's NDA negatives
// (Sinha et al. 2021, contrastive setting).
//
//	conv3×3 w → relu → conv4×4/2 2w → relu → conv4×4/2 4w → relu
//	→ residual block (conv3×3 → relu → conv3×3, + input, relu)
//	→ global average pool (the backbone features that Embed returns)
//	→ linear 4w → relu → linear proj (the projection InfoNCE sees)
//
// A step takes Views (two positive views of N images) and optionally
// Negatives (N·M images, M per anchor, anchor i's at rows i·M…). All of
// them go through the encoder in one pass; the keys carry gradients (no
// momentum encoder). The loss is core/objective's InfoNCE without a queue,
// computed here with its hand-written gradient; the tests check its value
// against objective.InfoNCEPlain.
package encoder

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// Name is the plugin's name.
const Name = "encoder"

const component = "model/" + Name

// Model is the encoder plugin; it serves one goroutine at a time.
type Model struct {
	sample [3]int
	width  int // backbone feature dimension, 4·width
	proj   int
	tau    float64
	seed   int64

	net                *nn.Net
	stem, down1, down2 *nn.Conv
	res1, res2         *nn.Conv
	head1, head2       *nn.Linear
	opt                *backend.Adam      // nil before Init
	resAct             kernels.Activation // after the residual sum: ReLU

	// Forward state and scratch.
	n, p          int // samples and positions of the last forward
	resIn, resOut []float32
	feats         []float32
	z             []float32
	norms         []float64
	dz            []float32
	dRes, dIn     []float32
	in            []float32
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{} }

// Describe returns the model's descriptor.
func (m *Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindModel,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "conv/residual encoder with projection head, InfoNCE with NDA negatives",
		Params: append([]core.Param{
			{Name: "channels", Type: core.TypeInt, Default: 1, Doc: "image channels",
				Min: core.Bound(1), Max: core.Bound(4)},
			{Name: "size", Type: core.TypeInt, Default: 28,
				Doc: "image height and width, a multiple of 4", Min: core.Bound(8), Max: core.Bound(256)},
			{Name: "width", Type: core.TypeInt, Default: 32,
				Doc: "channels of the stem; the backbone features have 4·width",
				Min: core.Bound(1), Max: core.Bound(512)},
			{Name: "proj_dim", Type: core.TypeInt, Default: 64, Doc: "projection dimension",
				Min: core.Bound(1), Max: core.Bound(4096)},
			{Name: "temperature", Type: core.TypeFloat, Default: 0.1, Doc: "InfoNCE temperature τ",
				Min: core.Bound(1e-4), Max: core.Bound(100)},
			{Name: "lr", Type: core.TypeFloat, Default: 1e-3, Doc: "Adam learning rate",
				Min: core.Bound(0)},
		}, nn.ComputeParams(0)...),
		Capabilities: []string{core.CapTrain, core.CapEmbed},
	}, nil
}

// weightStd is the initial weights' standard deviation.
const weightStd = 0.05

// Init builds the encoder; seed fixes the initial weights.
func (m *Model) Init(ctx context.Context, cfg core.Config, seed int64) error {
	desc, _ := m.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	s := cfg.Int("size")
	if s%4 != 0 {
		return fmt.Errorf("init %s: %w: parameter \"size\" is %d, want a multiple of 4",
			component, core.ErrInvalidArgument, s)
	}
	compute, err := nn.ComputeOf(cfg)
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	workers := compute.Workers
	c, w := cfg.Int("channels"), cfg.Int("width")
	n := Model{sample: [3]int{c, s, s}, width: 4 * w, proj: cfg.Int("proj_dim"),
		tau: cfg.Float("temperature"), seed: seed, net: nn.NewNet("E", seed, workers)}
	conv := func(name string, cin, size, cout, k, stride int) *nn.Conv {
		return nn.NewConv(n.net, name, kernels.ConvShape{C: cin, H: size, W: size, K: cout,
			KH: k, KW: k, Stride: stride, Pad: 1}, true, weightStd)
	}
	relu := kernels.ReLU
	n.stem = conv("stem", c, s, w, 3, 1).WithAct(relu, 0)
	n.down1 = conv("down1", w, s, 2*w, 4, 2).WithAct(relu, 0)
	n.down2 = conv("down2", 2*w, s/2, 4*w, 4, 2).WithAct(relu, 0)
	n.res1 = conv("res1", 4*w, s/4, 4*w, 3, 1).WithAct(relu, 0)
	n.res2 = conv("res2", 4*w, s/4, 4*w, 3, 1)
	n.head1 = nn.NewLinear(n.net, "head1", 4*w, 4*w, true, weightStd).WithAct(relu, 0)
	n.head2 = nn.NewLinear(n.net, "head2", 4*w, n.proj, true, weightStd)
	n.resAct = relu
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

func (m *Model) check(op, what string, b *core.Batch) error {
	if b == nil {
		return fmt.Errorf("%s %s: %w: no %s batch", op, component, core.ErrInvalidArgument, what)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("%s %s: %s batch: %w", op, component, what, err)
	}
	if [3]int(b.Shape[1:]) != m.sample || b.N() == 0 {
		return fmt.Errorf("%s %s: %w: %s batch has shape %v, want N×%d×%d×%d with N > 0",
			op, component, core.ErrInvalidArgument, what, b.Shape, m.sample[0], m.sample[1], m.sample[2])
	}
	return nil
}

// backbone returns the n×4w pooled features of x.
func (m *Model) backbone(n int, x []float32) []float32 {
	q := m.sample[1] / 4
	m.n, m.p = n, q*q
	h := m.stem.Forward(n, x)
	h = m.down1.Forward(n, h)
	m.resIn = m.down2.Forward(n, h)
	r := m.res1.Forward(n, m.resIn)
	r = m.res2.Forward(n, r)

	// relu(input + branch), kept for the backward pass.
	m.resOut = nn.Resize(m.resOut, len(r))
	for i, v := range r {
		m.resOut[i] = v + m.resIn[i]
	}
	kernels.BiasActivate(m.resAct, 0, 1, 1, len(r), nil, m.resOut)
	m.feats = nn.Resize(m.feats, n*m.width)
	kernels.GlobalSumPool(n, m.width, m.p, 1/float32(m.p), m.resOut, m.feats)
	return m.feats
}

// backboneBackward adds every backbone gradient from dFeat (n×4w).
func (m *Model) backboneBackward(dFeat []float32) {
	n := m.n
	m.dRes = nn.Resize(m.dRes, n*m.width*m.p)
	kernels.GlobalSumPoolBackward(n, m.width, m.p, 1/float32(m.p), dFeat, m.dRes)
	kernels.ActivateBackward(m.resAct, 0, 1, 1, len(m.dRes), m.resOut, m.dRes, nil)

	// The sum's gradient reaches both the skip and the branch.
	m.dIn = nn.Resize(m.dIn, len(m.dRes))
	copy(m.dIn, m.dRes)
	d := m.res2.Backward(m.dRes, true, true)
	d = m.res1.Backward(d, true, true)
	for i, v := range d {
		m.dIn[i] += v
	}
	d = m.down2.Backward(m.dIn, true, true)
	d = m.down1.Backward(d, true, true)
	m.stem.Backward(d, false, true)
}

// Step runs one InfoNCE update on req.Views (two views of N images) and
// req.Negatives (N·M images or nil); it returns the loss and the fraction of
// anchors whose positive scored highest ("accuracy").
func (m *Model) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := m.ready("step"); err != nil {
		return nil, err
	}
	if req.Phase != core.PhaseTrain {
		return nil, fmt.Errorf("step %s: %w: phase %q (want %q)",
			component, core.ErrInvalidArgument, req.Phase, core.PhaseTrain)
	}
	if len(req.Views) != 2 {
		return nil, fmt.Errorf("step %s: %w: %d views, want 2 (anchor and positive)",
			component, core.ErrInvalidArgument, len(req.Views))
	}
	for i, v := range req.Views {
		if err := m.check("step", fmt.Sprintf("view %d", i), v); err != nil {
			return nil, err
		}
	}
	n := req.Views[0].N()
	if req.Views[1].N() != n {
		return nil, fmt.Errorf("step %s: %w: views of %d and %d samples",
			component, core.ErrInvalidArgument, n, req.Views[1].N())
	}
	per := 0
	if req.Negatives != nil {
		if err := m.check("step", "negatives", req.Negatives); err != nil {
			return nil, err
		}
		if req.Negatives.N()%n != 0 {
			return nil, fmt.Errorf("step %s: %w: %d negatives for %d anchors, want a multiple",
				component, core.ErrInvalidArgument, req.Negatives.N(), n)
		}
		per = req.Negatives.N() / n
	}

	var negs []float32
	if per > 0 {
		negs = req.Negatives.Data
	}
	loss, acc := m.lossAndGrads(req.Views[0].Data, req.Views[1].Data, negs, n, per)
	if err := m.opt.Step(m.net.Grads()); err != nil {
		return nil, fmt.Errorf("step %s: adam: %w: %v", component, core.ErrInternal, err)
	}
	return core.StepResult{"loss": loss, "accuracy": acc}, nil
}

// lossAndGrads runs the encoder once over [view 0; view 1; negatives],
// computes InfoNCE and leaves its gradients in the network's tensors.
func (m *Model) lossAndGrads(v0, v1, negs []float32, n, per int) (loss, acc float64) {
	total := 2*n + n*per
	size := len(v0) / n
	m.in = nn.Resize(m.in, total*size)
	copy(m.in, v0)
	copy(m.in[n*size:], v1)
	copy(m.in[2*n*size:], negs)
	feats := m.backbone(total, m.in)
	u := m.head2.Forward(total, m.head1.Forward(total, feats))
	m.z = nn.Resize(m.z, len(u))
	if cap(m.norms) < total {
		m.norms = make([]float64, total)
	}
	m.norms = m.norms[:total]
	normalizeRows(u, m.z, m.norms, m.proj)

	d := m.proj
	m.dz = nn.Resize(m.dz, len(u))
	clear(m.dz)
	loss, acc = infoNCE(m.z[:n*d], m.z[n*d:2*n*d], m.z[2*n*d:], n, per, d, m.tau,
		m.dz[:n*d], m.dz[n*d:2*n*d], m.dz[2*n*d:])
	normalizeRowsBackward(m.z, m.dz, m.norms, d)

	m.net.ZeroGrad()
	g := m.head2.Backward(m.dz, true, true)
	g = m.head1.Backward(g, true, true)
	m.backboneBackward(g)
	return loss, acc
}

// evalChunk bounds the batch of one Embed forward.
const evalChunk = 256

// Embed returns the backbone features (pooled, before the projection
// head), N×4·width×1×1, labels kept.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("embed"); err != nil {
		return nil, err
	}
	if err := m.check("embed", "input", in); err != nil {
		return nil, err
	}
	out := core.NewBatch(in.N(), m.width, 1, 1)
	out.Labels = in.Labels
	size := in.SampleSize()
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embed %s: %w: %v", component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		copy(out.Data[lo*m.width:], m.backbone(hi-lo, in.Data[lo*size:hi*size]))
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
