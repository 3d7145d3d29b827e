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
// Negatives (N·M images, M per anchor, anchor i's at rows i·M…). The loss
// is core/objective's eager InfoNCE (objective.NCE).
//
// By default every image goes through the one encoder in a single pass and
// the keys and negatives carry gradients like the anchors. With moco on,
// as in MoCo (He et al. 2020), a momentum copy of the encoder encodes the
// keys and the negatives without gradient, trailing the trained encoder by
// θ_k ← m·θ_k + (1-m)·θ_q before each step, and a queue of the last
// queue_size keys joins every anchor's denominator; NDA negatives are never
// enqueued.
package encoder

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/core/objective"
	"gorgonia.org/tensor"
)

// Name is the plugin's name.
const Name = "encoder"

const component = "model/" + Name

// Model is the encoder plugin; it serves one goroutine at a time.
type Model struct {
	sample [3]int
	proj   int
	seed   int64

	query    *tower           // the trained encoder
	key      *tower           // the momentum encoder, nil without moco
	queue    *objective.Queue // nil without moco
	momentum float64          // m of the key encoder's update
	nce      objective.NCE    // the loss and its buffers
	opt      *backend.Adam    // nil before Init
	in       []float32        // the concatenated images of one pass
	dz       []float32        // gradient at the projections
}

// New returns an uninitialised model; Init must come first.
func New() *Model { return &Model{} }

// Describe returns the model's descriptor.
func (m *Model) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind:    core.KindModel,
		Name:    Name,
		Version: "0.2.0",
		Doc:     "conv/residual encoder with projection head, InfoNCE with NDA negatives, optional MoCo",
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
			{Name: "moco", Type: core.TypeBool, Default: false,
				Doc: "encode keys and negatives with a momentum encoder and keep a queue of past keys"},
			{Name: "momentum", Type: core.TypeFloat, Default: 0.999,
				Doc: "with moco: the share of its weights the key encoder keeps each step",
				Min: core.Bound(0), Max: core.Bound(1)},
			{Name: "queue_size", Type: core.TypeInt, Default: 4096,
				Doc: "with moco: past keys in every denominator, at least the batch size",
				Min: core.Bound(1), Max: core.Bound(1 << 20)},
		}, nn.ComputeParams(0)...),
		Capabilities: []string{core.CapTrain, core.CapEmbed},
	}, nil
}

// weightStd is the initial weights' standard deviation.
const weightStd = 0.05

// Init builds the encoder (and with moco its momentum copy and queue);
// seed fixes the initial weights and the queue's first keys.
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
	shape := towerShape{channels: cfg.Int("channels"), size: s, width: cfg.Int("width"),
		proj: cfg.Int("proj_dim")}
	n := Model{sample: [3]int{shape.channels, s, s}, proj: shape.proj, seed: seed,
		query: newTower("E", shape, seed, compute.Workers),
		nce:   objective.NCE{Tau: cfg.Float("temperature"), Workers: compute.Workers}}
	if cfg.Bool("moco") {
		// The key encoder starts as an exact copy of the query encoder.
		n.key = newTower("K", shape, seed, compute.Workers)
		if err := objective.MomentumUpdate(n.key.net.Params, n.query.net.Params, 0); err != nil {
			return fmt.Errorf("init %s: %w", component, err)
		}
		n.momentum = cfg.Float("momentum")
		n.queue, err = objective.NewQueue("Q", cfg.Int("queue_size"), shape.proj,
			tensor.Float32, seed)
		if err != nil {
			return fmt.Errorf("init %s: %w", component, err)
		}
	}
	n.opt, err = backend.NewAdam(n.query.net.Params, backend.AdamConfig{
		LR: cfg.Float("lr"), Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return fmt.Errorf("init %s: %w", component, err)
	}
	*m = n
	return nil
}

// towerShape is what fixes an encoder's layers.
type towerShape struct{ channels, size, width, proj int }

// tower is one encoder's layers and the state its backward pass needs.
type tower struct {
	net                *nn.Net
	stem, down1, down2 *nn.Conv
	res1, res2         *nn.Conv
	head1, head2       *nn.Linear
	resAct             kernels.Activation // after the residual sum: ReLU
	feat               int                // backbone feature dimension, 4·width
	pos                int                // positions of the residual block's maps

	// Forward state and scratch.
	n                    int
	resIn, resOut, feats []float32
	dRes, dIn            []float32
}

func newTower(name string, s towerShape, seed int64, workers int) *tower {
	net := nn.NewNet(name, seed, workers)
	conv := func(name string, cin, size, cout, k, stride int) *nn.Conv {
		return nn.NewConv(net, name, kernels.ConvShape{C: cin, H: size, W: size, K: cout,
			KH: k, KW: k, Stride: stride, Pad: 1}, true, weightStd)
	}
	relu, w := kernels.ReLU, s.width
	return &tower{
		net:    net,
		stem:   conv("stem", s.channels, s.size, w, 3, 1).WithAct(relu, 0),
		down1:  conv("down1", w, s.size, 2*w, 4, 2).WithAct(relu, 0),
		down2:  conv("down2", 2*w, s.size/2, 4*w, 4, 2).WithAct(relu, 0),
		res1:   conv("res1", 4*w, s.size/4, 4*w, 3, 1).WithAct(relu, 0),
		res2:   conv("res2", 4*w, s.size/4, 4*w, 3, 1),
		head1:  nn.NewLinear(net, "head1", 4*w, 4*w, true, weightStd).WithAct(relu, 0),
		head2:  nn.NewLinear(net, "head2", 4*w, s.proj, true, weightStd),
		resAct: relu,
		feat:   4 * w,
		pos:    (s.size / 4) * (s.size / 4),
	}
}

// backbone returns the n×4w pooled features of x.
func (t *tower) backbone(n int, x []float32) []float32 {
	t.n = n
	h := t.stem.Forward(n, x)
	h = t.down1.Forward(n, h)
	t.resIn = t.down2.Forward(n, h)
	r := t.res1.Forward(n, t.resIn)
	r = t.res2.Forward(n, r)

	// relu(input + branch), kept for the backward pass.
	t.resOut = nn.Resize(t.resOut, len(r))
	for i, v := range r {
		t.resOut[i] = v + t.resIn[i]
	}
	kernels.BiasActivate(t.resAct, 0, 1, 1, len(r), nil, t.resOut)
	t.feats = nn.Resize(t.feats, n*t.feat)
	kernels.GlobalSumPool(n, t.feat, t.pos, 1/float32(t.pos), t.resOut, t.feats)
	return t.feats
}

// project returns the n×proj projections of x, before normalising.
func (t *tower) project(n int, x []float32) []float32 {
	return t.head2.Forward(n, t.head1.Forward(n, t.backbone(n, x)))
}

// backward sets every weight's gradient from dz (n×proj, at the last
// forward's projections).
func (t *tower) backward(dz []float32) {
	t.net.ZeroGrad()
	g := t.head2.Backward(dz, true, true)
	g = t.head1.Backward(g, true, true)

	n := t.n
	t.dRes = nn.Resize(t.dRes, n*t.feat*t.pos)
	kernels.GlobalSumPoolBackward(n, t.feat, t.pos, 1/float32(t.pos), g, t.dRes)
	kernels.ActivateBackward(t.resAct, 0, 1, 1, len(t.dRes), t.resOut, t.dRes, nil)

	// The sum's gradient reaches both the skip and the branch.
	t.dIn = nn.Resize(t.dIn, len(t.dRes))
	copy(t.dIn, t.dRes)
	d := t.res2.Backward(t.dRes, true, true)
	d = t.res1.Backward(d, true, true)
	for i, v := range d {
		t.dIn[i] += v
	}
	d = t.down2.Backward(t.dIn, true, true)
	d = t.down1.Backward(d, true, true)
	t.stem.Backward(d, false, true)
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
	if m.queue != nil && n > m.queue.Size() {
		return nil, fmt.Errorf("step %s: %w: %d keys a step overflow a queue of %d "+
			"(parameter \"queue_size\")", component, core.ErrInvalidArgument, n, m.queue.Size())
	}
	var negs []float32
	if req.Negatives != nil {
		if err := m.check("step", "negatives", req.Negatives); err != nil {
			return nil, err
		}
		if req.Negatives.N()%n != 0 {
			return nil, fmt.Errorf("step %s: %w: %d negatives for %d anchors, want a multiple",
				component, core.ErrInvalidArgument, req.Negatives.N(), n)
		}
		negs = req.Negatives.Data
	}

	loss, acc, err := m.lossAndGrads(req.Views[0].Data, req.Views[1].Data, negs, n)
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", component, err)
	}
	if err := m.opt.Step(m.query.net.Grads()); err != nil {
		return nil, fmt.Errorf("step %s: adam: %w: %v", component, core.ErrInternal, err)
	}
	return core.StepResult{"loss": loss, "accuracy": acc}, nil
}

// lossAndGrads computes InfoNCE for anchors v0, keys v1 and negatives negs
// (n images each, n·M for negs) and leaves its gradients in the query
// encoder's tensors. With moco it first moves the key encoder, and last
// enqueues the keys.
func (m *Model) lossAndGrads(v0, v1, negs []float32, n int) (loss, acc float64, err error) {
	if m.key != nil {
		return m.mocoLossAndGrads(v0, v1, negs, n)
	}

	// One pass over [view 0; view 1; negatives]; every row has a gradient.
	size := len(v0) / n
	m.in = concat(m.in, v0, v1, negs)
	z := m.query.project(len(m.in)/size, m.in)
	d := m.proj
	m.dz = nn.Resize(m.dz, len(z))
	loss, acc, err = m.nce.LossGrad(z[:n*d], z[n*d:2*n*d], z[2*n*d:], nil, d,
		m.dz[:n*d], m.dz[n*d:2*n*d], m.dz[2*n*d:])
	if err != nil {
		return 0, 0, err
	}
	m.query.backward(m.dz)
	return loss, acc, nil
}

// mocoLossAndGrads is lossAndGrads with a momentum encoder and a queue.
func (m *Model) mocoLossAndGrads(v0, v1, negs []float32, n int) (loss, acc float64, err error) {
	if err := objective.MomentumUpdate(m.key.net.Params, m.query.net.Params,
		m.momentum); err != nil {
		return 0, 0, err
	}
	size := len(v0) / n
	m.in = concat(m.in, v1, negs)
	keys := m.key.project(len(m.in)/size, m.in)

	d := m.proj
	q := m.query.project(n, v0)
	m.dz = nn.Resize(m.dz, len(q))
	loss, acc, err = m.nce.LossGrad(q, keys[:n*d], keys[n*d:], m.queue.Float32s(), d,
		m.dz, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	m.query.backward(m.dz)
	if err := m.queue.Enqueue(keys[:n*d]); err != nil {
		return 0, 0, err
	}
	return loss, acc, nil
}

// concat returns the parts one after another, reusing buf's memory.
func concat(buf []float32, parts ...[]float32) []float32 {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	buf = nn.Resize(buf, total)
	at := 0
	for _, p := range parts {
		at += copy(buf[at:], p)
	}
	return buf
}

// evalChunk bounds the batch of one Embed forward.
const evalChunk = 256

// Embed returns the trained encoder's backbone features (pooled, before
// the projection head), N×4·width×1×1, labels kept.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	if err := m.ready("embed"); err != nil {
		return nil, err
	}
	if err := m.check("embed", "input", in); err != nil {
		return nil, err
	}
	width := m.query.feat
	out := core.NewBatch(in.N(), width, 1, 1)
	out.Labels = in.Labels
	size := in.SampleSize()
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embed %s: %w: %v", component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		copy(out.Data[lo*width:], m.query.backbone(hi-lo, in.Data[lo*size:hi*size]))
	}
	return out, nil
}

// state lists what a checkpoint carries: the weights, Adam's moments and,
// with moco, the key encoder and the queue.
func (m *Model) state() []backend.Stateful {
	parts := []backend.Stateful{m.query.net.Params, m.opt}
	if m.key != nil {
		parts = append(parts, m.key.net.Params, m.queue)
	}
	return parts
}

// Save returns a checkpoint in the backend's format.
func (m *Model) Save(context.Context) ([]byte, error) {
	if err := m.ready("save"); err != nil {
		return nil, err
	}
	data, err := nn.EncodeSeeded(m.seed, m.state()...)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", component, err)
	}
	return data, nil
}

// Load restores a checkpoint of the same architecture (moco or not).
func (m *Model) Load(_ context.Context, data []byte) error {
	if err := m.ready("load"); err != nil {
		return err
	}
	seed, err := nn.DecodeSeeded(data, m.state()...)
	if err != nil {
		return fmt.Errorf("load %s: %w", component, err)
	}
	m.seed = seed
	return nil
}
