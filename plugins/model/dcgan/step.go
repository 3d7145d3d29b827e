package dcgan

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// Step runs one D update (core.PhaseD: Real and, with NDA, Negatives and
// Lambda) or one G update (core.PhaseG) keyed by req.Step.
func (m *Model) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := m.checkReady("step"); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("step %s: %w: %v", component, core.ErrCanceled, err)
	}
	switch req.Phase {
	case core.PhaseD:
		return m.stepD(req)
	case core.PhaseG:
		return m.stepG(req)
	}
	return nil, fmt.Errorf("step %s: %w: phase %q (want %q or %q)",
		component, core.ErrInvalidArgument, req.Phase, core.PhaseD, core.PhaseG)
}

func (m *Model) stepD(req core.StepRequest) (core.StepResult, error) {
	if err := m.checkImages("step", "real", req.Real, true); err != nil {
		return nil, err
	}
	nNeg := 0
	if req.Negatives != nil {
		if err := m.checkImages("step", "negatives", req.Negatives, true); err != nil {
			return nil, err
		}
		nNeg = req.Negatives.N()
		if req.Lambda < 0 || req.Lambda > 1 {
			return nil, fmt.Errorf("step %s: %w: lambda %g, want in [0, 1]",
				component, core.ErrInvalidArgument, req.Lambda)
		}
	}
	n := req.Real.N()
	z, labels := m.noise(m.seed, req.Step, "z", n)
	var negs []float32
	var negLabels []int32
	if req.Negatives != nil {
		negs, negLabels = req.Negatives.Data, req.Negatives.Labels
	}
	l := m.trainD(req.Real.Data, req.Real.Labels, negs, negLabels, nNeg, z, labels, req.Lambda)
	m.cachedStep = req.Step
	res := core.StepResult{
		"loss_d": l.Total, "loss_d_real": l.Real, "loss_d_fake": l.Fake,
		"d_real": l.MeanReal, "d_fake": l.MeanFake,
	}
	if nNeg > 0 {
		res["loss_d_neg"], res["d_neg"] = l.Neg, l.MeanNeg
	}
	return res, nil
}

// trainD generates n fakes from z, runs D once over reals, fakes and
// negatives stacked, and applies one Adam update to D. It leaves the fakes
// and G's activations cached for the G step.
func (m *Model) trainD(real []float32, realLabels []int32, negs []float32, negLabels []int32,
	nNeg int, z []float32, labels []int32, lambda float64) dLosses {
	a := m.a
	n := len(real) / a.imageSize()
	fake := m.g.forward(n, z, labels, true)
	m.cached, m.fake, m.fakeLabels = true, fake, labels

	// One pass over [real; fake; negatives].
	total := 2*n + nNeg
	m.dIn = grow(m.dIn, total*a.imageSize())
	copy(m.dIn, real)
	copy(m.dIn[n*a.imageSize():], fake)
	copy(m.dIn[2*n*a.imageSize():], negs)
	if a.Classes > 0 {
		m.dLabels = append(append(append(m.dLabels[:0], realLabels...), labels...), negLabels...)
	}

	m.d.updateSpectralNorm()
	m.d.net.ZeroGrad()
	logits := m.d.forward(total, m.dIn, m.dLabels)
	m.dLogit = grow(m.dLogit, total)
	l := hingeD(logits, n, n, nNeg, lambda, m.dLogit)
	m.d.backward(m.dLogit, false, true)
	// Gradients were checked when built; an optimiser error here is a bug.
	if err := m.optD.Step(m.d.net.Grads()); err != nil {
		panic(fmt.Sprintf("%s: adam: %v", component, err))
	}
	return l
}

func (m *Model) stepG(req core.StepRequest) (core.StepResult, error) {
	n := 0
	if req.Real != nil {
		if err := m.checkImages("step", "real", req.Real, false); err != nil {
			return nil, err
		}
		n = req.Real.N()
	}
	if !m.cached || m.cachedStep != req.Step || (n > 0 && n != len(m.fake)/m.a.imageSize()) {
		// No D step at this global step (or another batch size): draw the
		// same keyed noise the D step would have and run G afresh.
		if n == 0 {
			return nil, fmt.Errorf("step %s: %w: a G step without a preceding D step "+
				"needs Real to fix the batch size", component, core.ErrInvalidArgument)
		}
		z, labels := m.noise(m.seed, req.Step, "z", n)
		m.fake, m.fakeLabels = m.g.forward(n, z, labels, true), labels
	}
	loss := m.trainG()
	m.cached = false
	return core.StepResult{"loss_g": loss}, nil
}

// trainG runs D over the cached fakes, backpropagates -E[D(G(z))] through D
// (input gradient only) into G, and applies one Adam update to G.
func (m *Model) trainG() float64 {
	n := len(m.fake) / m.a.imageSize()
	logits := m.d.forward(n, m.fake, m.fakeLabels)
	m.dLogit = grow(m.dLogit, n)
	loss := hingeG(logits, m.dLogit[:n])
	dFake := m.d.backward(m.dLogit[:n], true, false)

	m.g.net.ZeroGrad()
	m.g.backward(dFake)
	if err := m.optG.Step(m.g.net.Grads()); err != nil {
		panic(fmt.Sprintf("%s: adam: %v", component, err))
	}
	m.gStepsTaken++
	if m.ema != nil {
		m.ema.Update(m.gStepsTaken)
	}
	return loss
}

// evalChunk bounds the batch of one evaluation forward, so generating or
// scoring many samples keeps memory flat.
const evalChunk = 256

// Generate draws req.N images with G in evaluation mode (running batch-norm
// statistics), from the EMA weights when req.EMA and the model keeps them.
func (m *Model) Generate(ctx context.Context, req core.GenerateRequest) (*core.Batch, error) {
	if err := m.checkReady("generate"); err != nil {
		return nil, err
	}
	if req.N < 0 {
		return nil, fmt.Errorf("generate %s: %w: N = %d", component, core.ErrInvalidArgument, req.N)
	}
	if req.Labels != nil && len(req.Labels) != req.N {
		return nil, fmt.Errorf("generate %s: %w: %d labels for %d samples",
			component, core.ErrInvalidArgument, len(req.Labels), req.N)
	}
	a := m.a
	out := core.NewBatch(req.N, a.Channels, a.Size, a.Size)
	z, labels := m.noise(req.Seed, 0, "generate", req.N)
	if req.Labels != nil && a.Classes > 0 {
		for i, y := range req.Labels {
			if y < 0 || int(y) >= a.Classes {
				return nil, fmt.Errorf("generate %s: %w: label %d is %d, want 0..%d",
					component, core.ErrInvalidArgument, i, y, a.Classes-1)
			}
		}
		labels = req.Labels
	}
	out.Labels = labels

	// G's buffers are about to be overwritten: the D step's cache is gone.
	m.cached = false
	useEMA := req.EMA && m.ema != nil
	if useEMA {
		m.ema.Swap()
		defer m.ema.Swap()
	}
	for lo := 0; lo < req.N; lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("generate %s: %w: %v", component, core.ErrCanceled, err)
		}
		hi := min(req.N, lo+evalChunk)
		var lab []int32
		if labels != nil {
			lab = labels[lo:hi]
		}
		img := m.g.forward(hi-lo, z[lo*a.ZDim:hi*a.ZDim], lab, false)
		copy(out.Data[lo*a.imageSize():], img)
	}
	return out, nil
}

// Score returns D's raw logits, N×1×1×1, higher meaning more like the
// training data. A conditional model needs labels.
func (m *Model) Score(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	out, err := m.evalD(ctx, "score", in, 1, func(lo, hi int) []float32 {
		return m.d.logits[:hi-lo]
	})
	return out, err
}

// Embed returns D's features (the flattened output of its last
// convolution), N×feat×1×1.
func (m *Model) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return m.evalD(ctx, "embed", in, m.a.feat(), func(lo, hi int) []float32 {
		return m.d.h[:(hi-lo)*m.a.feat()]
	})
}

// evalD runs D over in by chunks and collects width values per sample.
func (m *Model) evalD(ctx context.Context, op string, in *core.Batch, width int,
	take func(lo, hi int) []float32) (*core.Batch, error) {
	if err := m.checkReady(op); err != nil {
		return nil, err
	}
	if err := m.checkImages(op, "input", in, true); err != nil {
		return nil, err
	}
	out := core.NewBatch(in.N(), width, 1, 1)
	out.Labels = in.Labels
	size := m.a.imageSize()
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %v", op, component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		var lab []int32
		if m.a.Classes > 0 {
			lab = in.Labels[lo:hi]
		}
		m.d.forward(hi-lo, in.Data[lo*size:hi*size], lab)
		copy(out.Data[lo*width:], take(lo, hi))
	}
	return out, nil
}
