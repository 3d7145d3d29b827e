package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/builtin"
)

// The components below are small hand-written stand-ins for the real
// plugins: a 2-D Gaussian data set, a GAN of an affine generator against a
// quadratic logistic discriminator (trained by its exact gradients), a
// sign-flip negative and a mean-distance metric. They keep the runner tests
// fast and let them inject failures at chosen steps.

// toyData is a 2-D Gaussian centred at (1, -1); labels are x's quadrant.
// Its checksum is the hooks' dataChecksum, so a test can "change the files".
type toyData struct{ h *hooks }

func (toyData) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindDataset, Name: "toy", Version: "1.0.0",
		Doc: "2-D Gaussian",
		Params: []core.Param{{Name: "n", Type: core.TypeInt, Default: 512,
			Doc: "train samples"}}}, nil
}

func (d toyData) Info(_ context.Context, cfg core.Config, split core.Split) (core.DatasetInfo,
	error) {
	n := cfg.Int("n")
	if split == core.SplitTest {
		n = 256
	}
	sum := "toy-v1"
	if d.h != nil && d.h.dataChecksum != "" {
		sum = d.h.dataChecksum
	}
	return core.DatasetInfo{Size: n, Shape: [3]int{2, 1, 1}, Classes: 2, Checksum: sum}, nil
}

func (d toyData) Batch(ctx context.Context, req core.BatchRequest) (*core.Batch, error) {
	info, _ := d.Info(ctx, req.Config, req.Split)
	perm := core.NewRand(req.Seed, "toy/"+string(req.Split), int64(req.Epoch),
		"perm").Perm(info.Size)
	lo := req.Index * req.Size
	hi := min(lo+req.Size, info.Size)
	if lo >= info.Size {
		return core.NewBatch(0, 2, 1, 1), nil
	}
	b := core.NewBatch(hi-lo, 2, 1, 1)
	b.Labels = make([]int32, hi-lo)
	for i := range hi - lo {
		rng := core.NewRand(0, "toy/"+string(req.Split), int64(perm[lo+i]), "point")
		b.Data[2*i] = float32(1 + 0.3*rng.NormFloat64())
		b.Data[2*i+1] = float32(-1 + 0.3*rng.NormFloat64())
		if b.Data[2*i] > 1 {
			b.Labels[i] = 1
		}
	}
	return b, nil
}

// flip makes negatives by mirroring points through the origin.
type flip struct{}

func (flip) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindAugmentation, Name: "toy-flip", Version: "1.0.0",
		Roles: []string{core.RoleNegative}}, nil
}

func (flip) Apply(_ context.Context, _ core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	out := in.Clone()
	for i := range out.Data {
		out.Data[i] = -out.Data[i]
	}
	return out, nil
}

// meanDist is the distance of the generated mean from the data mean.
type meanDist struct{}

func (meanDist) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindMetric, Name: "mean-dist", Version: "1.0.0",
		Inputs: []string{core.InputGeneratedPoints}, Outputs: []string{"dist"}}, nil
}

func (meanDist) Compute(_ context.Context, _ core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	b := in[core.InputGeneratedPoints]
	var mx, my float64
	for i := range b.N() {
		mx += float64(b.Data[2*i])
		my += float64(b.Data[2*i+1])
	}
	n := float64(b.N())
	return map[string]float64{"dist": math.Hypot(mx/n-1, my/n+1)}, nil
}

// hooks lets a test watch and break the GAN. Shared by all instances the
// launcher makes.
type hooks struct {
	mu           sync.Mutex
	onStep       func(phase core.Phase, step int64) // called before each step
	dSteps       []int64                            // D step indices seen, in order
	encoderSteps []string
	ganVersion   string // "" is 1.0.0
	dataChecksum string // "" is toy-v1
	inits        atomic.Int64
	loads        atomic.Int64
	started      atomic.Int64
	closed       atomic.Int64
}

// gan: G(z) = mu + exp(logsig)*z; D(x) = w·[x, y, x², y², 1].
type gan struct {
	h     *hooks
	cfg   core.Config
	seed  int64
	State ganState
}

type ganState struct {
	Mu, LogSig [2]float64
	W          [5]float64
}

func (g *gan) Describe(context.Context) (*core.Descriptor, error) {
	v := g.h.ganVersion
	if v == "" {
		v = "1.0.0"
	}
	return &core.Descriptor{Kind: core.KindModel, Name: "toy-gan", Version: v,
		Capabilities: []string{core.CapTrain, core.CapGenerate, core.CapScore},
		Params: []core.Param{
			{Name: "lr", Type: core.TypeFloat, Default: 0.05, Doc: "step size"},
			{Name: "fail_at", Type: core.TypeInt, Default: 0,
				Doc: "fail the G step at this step (0: never)"},
			{Name: "nan_at", Type: core.TypeInt, Default: 0, Doc: "report a NaN loss at this step"},
		}}, nil
}

func (g *gan) Init(_ context.Context, cfg core.Config, seed int64) error {
	g.h.inits.Add(1)
	g.cfg, g.seed = cfg, seed
	g.State = ganState{Mu: [2]float64{0, 0}}
	return nil
}

func feats(x, y float64) [5]float64 { return [5]float64{x, y, x * x, y * y, 1} }

func (g *gan) logit(x, y float64) float64 {
	f := feats(x, y)
	var s float64
	for i := range f {
		s += g.State.W[i] * f[i]
	}
	return s
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// sample draws n generator points from noise keyed by (seed, index).
func (g *gan) sample(seed, index int64, n int) (pts [][2]float64, zs [][2]float64) {
	rng := core.NewRand(seed, "toy-gan", index, "z")
	for range n {
		z := [2]float64{rng.NormFloat64(), rng.NormFloat64()}
		x := [2]float64{}
		for k := range 2 {
			x[k] = g.State.Mu[k] + math.Exp(g.State.LogSig[k])*z[k]
		}
		pts, zs = append(pts, x), append(zs, z)
	}
	return pts, zs
}

func (g *gan) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if g.h.onStep != nil {
		g.h.onStep(req.Phase, req.Step)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("toy-gan step: %w", core.ErrCanceled)
	}
	lr := g.cfg.Float("lr")
	switch req.Phase {
	case core.PhaseD:
		g.h.mu.Lock()
		g.h.dSteps = append(g.h.dSteps, req.Step)
		g.h.mu.Unlock()
		var grad [5]float64
		var loss float64
		add := func(x, y float64, real bool, weight float64) {
			d := g.logit(x, y)
			f := feats(x, y)
			if real {
				loss -= weight * math.Log(sigmoid(d)+1e-12)
				for i := range f {
					grad[i] -= weight * (1 - sigmoid(d)) * f[i]
				}
			} else {
				loss -= weight * math.Log(1-sigmoid(d)+1e-12)
				for i := range f {
					grad[i] += weight * sigmoid(d) * f[i]
				}
			}
		}
		n := req.Real.N()
		fake, _ := g.sample(g.seed, req.Step, n)
		fw := 1.0
		if req.Negatives != nil {
			fw = req.Lambda
			for i := range req.Negatives.N() {
				s := req.Negatives.Sample(i)
				add(float64(s[0]), float64(s[1]), false, (1-req.Lambda)/float64(n))
			}
		}
		for i := range n {
			s := req.Real.Sample(i)
			add(float64(s[0]), float64(s[1]), true, 1/float64(n))
			add(fake[i][0], fake[i][1], false, fw/float64(n))
		}
		for i := range grad {
			g.State.W[i] -= lr * grad[i]
		}
		return core.StepResult{"loss": loss}, nil
	case core.PhaseG:
		if fa := int64(g.cfg.Int("fail_at")); fa > 0 && req.Step+1 == fa {
			return nil, fmt.Errorf("toy-gan: injected failure at step %d: %w", fa, core.ErrInternal)
		}
		n := 64
		pts, zs := g.sample(g.seed, 1<<40+req.Step, n)
		var loss float64
		var dmu, dls [2]float64
		for i, p := range pts {
			d := g.logit(p[0], p[1])
			loss -= math.Log(sigmoid(d)+1e-12) / float64(n)
			dd := [2]float64{g.State.W[0] + 2*g.State.W[2]*p[0], g.State.W[1] + 2*g.State.W[3]*p[1]}
			for k := range 2 {
				dx := -(1 - sigmoid(d)) * dd[k] / float64(n)
				dmu[k] += dx
				dls[k] += dx * math.Exp(g.State.LogSig[k]) * zs[i][k]
			}
		}
		for k := range 2 {
			g.State.Mu[k] -= lr * dmu[k]
			g.State.LogSig[k] -= lr * dls[k]
		}
		if na := int64(g.cfg.Int("nan_at")); na > 0 && req.Step+1 == na {
			loss = math.NaN()
		}
		return core.StepResult{"loss": loss}, nil
	}
	return nil, fmt.Errorf("toy-gan: phase %q: %w", req.Phase, core.ErrInvalidArgument)
}

func (g *gan) Save(context.Context) ([]byte, error) { return json.Marshal(g.State) }

func (g *gan) Load(_ context.Context, b []byte) error {
	g.h.loads.Add(1)
	return json.Unmarshal(b, &g.State)
}

func (g *gan) Generate(_ context.Context, req core.GenerateRequest) (*core.Batch, error) {
	pts, _ := g.sample(req.Seed, 0, req.N)
	b := core.NewBatch(req.N, 2, 1, 1)
	for i, p := range pts {
		b.Data[2*i], b.Data[2*i+1] = float32(p[0]), float32(p[1])
	}
	return b, nil
}

func (g *gan) Score(_ context.Context, in *core.Batch) (*core.Batch, error) {
	out := core.NewBatch(in.N(), 1, 1, 1)
	for i := range in.N() {
		s := in.Sample(i)
		out.Data[i] = float32(g.logit(float64(s[0]), float64(s[1])))
	}
	return out, nil
}

// launcher starts the fakes in process (plus any real components added).
type launcher struct {
	h     *hooks
	extra map[string]func() core.Component
}

func newLauncher(h *hooks) *launcher {
	return &launcher{h: h, extra: map[string]func() core.Component{}}
}

type closer struct{ h *hooks }

func (c closer) Close() error { c.h.closed.Add(1); return nil }

func (l *launcher) Start(_ context.Context, kind core.Kind, name string) (core.Component,
	io.Closer, error) {
	l.h.started.Add(1)
	var c core.Component
	switch string(kind) + "/" + name {
	case "dataset/toy":
		c = toyData{h: l.h}
	case "augmentation/toy-flip":
		c = flip{}
	case "metric/mean-dist":
		c = meanDist{}
	case "model/toy-gan":
		c = &gan{h: l.h}
	case "model/toy-encoder":
		c = &encoder{h: l.h}
	default:
		f, ok := l.extra[string(kind)+"/"+name]
		if !ok {
			return nil, nil, fmt.Errorf("%w: no plugin %s/%s", core.ErrNotFound, kind, name)
		}
		c = f()
	}
	return c, closer{l.h}, nil
}

// builtinLauncher starts the real built-in components in process, falling
// back on the fakes for what is not built in.
type builtinLauncher struct{ *launcher }

func (l builtinLauncher) Start(ctx context.Context, kind core.Kind, name string) (core.Component,
	io.Closer, error) {
	if p, err := builtin.Lookup(string(kind) + "/" + name); err == nil {
		l.h.started.Add(1)
		return p.New(), closer{l.h}, nil
	}
	return l.launcher.Start(ctx, kind, name)
}

// encoder is a fake embed-capable network: features (a·x, b·y, x·y) with a
// and b nudged by each training step. It records what its steps received.
type encoder struct {
	h     *hooks
	State struct{ A, B float64 }
	Steps []string // per step: "views=2 negatives=true labels=true"
}

func (m *encoder) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindModel, Name: "toy-encoder", Version: "1.0.0",
		Capabilities: []string{core.CapTrain, core.CapEmbed}}, nil
}

func (m *encoder) Init(context.Context, core.Config, int64) error {
	m.h.inits.Add(1)
	m.State.A, m.State.B = 1, 1
	return nil
}

func (m *encoder) Step(_ context.Context, req core.StepRequest) (core.StepResult, error) {
	if req.Phase != core.PhaseTrain {
		return nil, fmt.Errorf("toy-encoder: phase %q: %w", req.Phase, core.ErrInvalidArgument)
	}
	m.State.A += 0.01
	m.State.B -= 0.01
	m.h.mu.Lock()
	m.h.encoderSteps = append(m.h.encoderSteps, fmt.Sprintf("views=%d negatives=%v labels=%v",
		len(req.Views), req.Negatives != nil, req.Real.Labels != nil))
	m.h.mu.Unlock()
	return core.StepResult{"loss": 1 / (1 + m.State.A)}, nil
}

func (m *encoder) Save(context.Context) ([]byte, error) { return json.Marshal(m.State) }

func (m *encoder) Load(_ context.Context, b []byte) error {
	m.h.loads.Add(1)
	return json.Unmarshal(b, &m.State)
}

func (m *encoder) Embed(_ context.Context, in *core.Batch) (*core.Batch, error) {
	out := core.NewBatch(in.N(), 3, 1, 1)
	for i := range in.N() {
		s := in.Sample(i)
		x, y := float64(s[0]), float64(s[1])
		out.Data[3*i], out.Data[3*i+1], out.Data[3*i+2] = float32(m.State.A*x),
			float32(m.State.B*y), float32(x*y)
	}
	return out, nil
}
