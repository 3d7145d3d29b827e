package backend_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/objective"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tinyGAN is the GAN-step pattern at toy size: G maps z (N×8) to 1×8×8
// images; D is a spectrally normalised conv net. Three graphs: G forward
// (its output fed to D as a value), the D step (power iteration on), the G
// step (D rebuilt on the same tensors, gradients for G only).
type tinyGAN struct {
	gps, dps              *backend.Params
	gOpt, dOpt            *backend.Adam
	gFwd, dStep           *backend.Graph
	gStep                 *backend.Graph
	zFwd, zG              *backend.Input
	real, fake            *backend.Input
	neg                   *backend.Input
	fakeOut               *gorgonia.Node
	dLoss, gLoss          *gorgonia.Node
	gStepScore, gStepFake *gorgonia.Node
	dConv                 *backend.Conv2d
	genFn, discFn         func(g *backend.Graph, x *gorgonia.Node) (*gorgonia.Node, error)
	n                     int
}

func newTinyGAN(t *testing.T, seed int64) *tinyGAN {
	t.Helper()
	const n = 4
	m := &tinyGAN{n: n,
		gps: backend.NewParams("G", tensor.Float32, seed),
		dps: backend.NewParams("D", tensor.Float32, seed)}

	fc := backend.NewLinear(m.gps, "fc", backend.LinearConfig{In: 8, Out: 4 * 4 * 4})
	bn := backend.NewBatchNorm(m.gps, "bn", 4)
	gconv := backend.NewConv2d(m.gps, "conv", backend.ConvConfig{In: 4, Out: 1, Kernel: 3, Pad: 1})
	m.genFn = func(g *backend.Graph, z *gorgonia.Node) (*gorgonia.Node, error) {
		h, err := fc.Forward(g, z)
		if err != nil {
			return nil, err
		}
		if h, err = gorgonia.Reshape(h, []int{n, 4, 4, 4}); err != nil {
			return nil, err
		}
		if h, err = bn.Forward(g, h); err != nil {
			return nil, err
		}
		if h, err = backend.ReLU(h); err != nil {
			return nil, err
		}
		if h, err = backend.Upsample2(h); err != nil {
			return nil, err
		}
		if h, err = gconv.Forward(g, h); err != nil {
			return nil, err
		}
		return backend.Tanh(h)
	}

	m.dConv = backend.NewConv2d(m.dps, "conv", backend.ConvConfig{In: 1, Out: 4, Kernel: 4,
		Stride: 2, Pad: 1, SpectralNorm: true})
	head := backend.NewLinear(m.dps, "head", backend.LinearConfig{In: 4, Out: 1, SpectralNorm: true})
	m.discFn = func(g *backend.Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
		h, err := m.dConv.Forward(g, x)
		if err != nil {
			return nil, err
		}
		if h, err = backend.LeakyReLU(h, 0.2); err != nil {
			return nil, err
		}
		if h, err = backend.GlobalSumPool(h); err != nil {
			return nil, err
		}
		return head.Forward(g, h)
	}

	cfg := backend.AdamConfig{LR: 2e-3, Beta1: 0, Beta2: 0.999, Eps: 1e-8}
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	m.gOpt, err = backend.NewAdam(m.gps, cfg)
	must(err)
	m.dOpt, err = backend.NewAdam(m.dps, cfg)
	must(err)

	// G forward, for the D step's fakes.
	m.gFwd, err = backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	must(err)
	m.zFwd = m.gFwd.Input("z", n, 8)
	m.fakeOut, err = m.genFn(m.gFwd, m.zFwd.Node)
	must(err)
	must(m.gFwd.Compile(nil))

	// D step: real, fake (a value) and NDA negatives, λ = 0.25.
	m.dStep, err = backend.NewGraph(backend.GraphOptions{
		Mode: backend.Mode{Train: true, PowerIteration: true}})
	must(err)
	m.real = m.dStep.Input("real", n, 1, 8, 8)
	m.fake = m.dStep.Input("fake", n, 1, 8, 8)
	m.neg = m.dStep.Input("neg", n, 1, 8, 8)
	var scores [3]*gorgonia.Node
	for i, in := range []*backend.Input{m.real, m.fake, m.neg} {
		scores[i], err = m.discFn(m.dStep, in.Node)
		must(err)
	}
	m.dLoss, err = objective.DiscriminatorLoss(objective.Hinge, scores[0], scores[1], scores[2], 0.25)
	must(err)
	must(m.dStep.Compile(m.dLoss, m.dps.Trainable()...))

	// G step: D rebuilt on the same tensors, no power iteration.
	m.gStep, err = backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	must(err)
	m.zG = m.gStep.Input("z", n, 8)
	m.gStepFake, err = m.genFn(m.gStep, m.zG.Node)
	must(err)
	m.gStepScore, err = m.discFn(m.gStep, m.gStepFake)
	must(err)
	m.gLoss, err = objective.GeneratorLoss(objective.Hinge, m.gStepScore)
	must(err)
	must(m.gStep.Compile(m.gLoss, m.gps.Trainable()...))
	return m
}

// step runs one D step then one G step on batch k and returns both losses.
func (m *tinyGAN) step(t *testing.T, k uint64) (dLoss, gLoss float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(k, 99))
	draw := func(size int, f func() float64) []float32 {
		out := make([]float32, size)
		for i := range out {
			out[i] = float32(f())
		}
		return out
	}
	real := draw(m.n*64, func() float64 { return r.Float64()*2 - 1 })
	neg := slices.Clone(real)
	slices.Reverse(neg) // a crude negative: the batch flipped end to end
	z := draw(m.n*8, r.NormFloat64)

	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(m.zFwd.Set(z))
	check(m.gFwd.Run())
	check(m.fake.SetFrom(m.fakeOut))
	check(m.real.Set(real))
	check(m.neg.Set(neg))
	check(m.dStep.Run())
	grads, err := m.dStep.Grads()
	check(err)
	check(m.dOpt.Step(grads))
	dLoss, err = backend.Scalar(m.dLoss)
	check(err)

	check(m.zG.Set(z))
	check(m.gStep.Run())
	grads, err = m.gStep.Grads()
	check(err)
	check(m.gOpt.Step(grads))
	gLoss, err = backend.Scalar(m.gLoss)
	check(err)
	return dLoss, gLoss
}

func weights(ps ...*backend.Params) []float64 {
	var out []float64
	for _, p := range ps {
		for _, x := range p.All() {
			out = append(out, backend.Float64s(x.Value)...)
		}
	}
	return out
}

func TestGANStepSameSeedSameResult(t *testing.T) {
	a, b := newTinyGAN(t, 5), newTinyGAN(t, 5)
	c := newTinyGAN(t, 6)
	for k := range uint64(3) {
		da, ga := a.step(t, k)
		db, gb := b.step(t, k)
		dc, _ := c.step(t, k)
		if da != db || ga != gb {
			t.Fatalf("step %d: losses (%v, %v) and (%v, %v) from one seed differ", k, da, ga, db, gb)
		}
		if da == dc {
			t.Errorf("step %d: seeds 5 and 6 give the same D loss %v", k, da)
		}
	}
	if !slices.Equal(weights(a.gps, a.dps), weights(b.gps, b.dps)) {
		t.Error("same seed: weights differ after three steps")
	}
}

// TestGANStepUsesUpdatedD: the G step scores G's output with the D that
// the D step just updated, and leaves D's weights and vectors alone.
func TestGANStepUsesUpdatedD(t *testing.T) {
	m := newTinyGAN(t, 7)
	dBefore := weights(m.dps)
	u := slices.Clone(m.dConv.SN.U.Value.Float32s())
	m.step(t, 0)
	dAfter := weights(m.dps)
	if slices.Equal(dBefore, dAfter) || slices.Equal(u, m.dConv.SN.U.Value.Float32s()) {
		t.Fatal("the D step changed no weight or no spectral-norm vector")
	}

	// Score the G step's images again in a fresh graph on D's current
	// tensors: the same values mean the G step saw the updated D.
	g, err := backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	if err != nil {
		t.Fatal(err)
	}
	x := g.Input("x", m.n, 1, 8, 8)
	score, err := m.discFn(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(nil); err != nil {
		t.Fatal(err)
	}
	if err := x.SetFrom(m.gStepFake); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	want, _ := backend.Float32s(score)
	got, _ := backend.Float32s(m.gStepScore)
	if !slices.Equal(got, want) {
		t.Errorf("G step scores %v, updated D scores %v", got, want)
	}
	if !slices.Equal(weights(m.dps), dAfter) {
		t.Error("the G step changed D's weights or vectors")
	}
}
