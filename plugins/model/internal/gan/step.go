package gan

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/core/objective"
)

// Step runs one D update (core.PhaseD: Real and, with NDA, Negatives and
// Lambda) or one G update (core.PhaseG) keyed by req.Step.
func (t *Trainer) Step(ctx context.Context, req core.StepRequest) (core.StepResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("step %s: %w: %v", t.Spec.Component, core.ErrCanceled, err)
	}
	switch req.Phase {
	case core.PhaseD:
		return t.stepD(req)
	case core.PhaseG:
		return t.stepG(req)
	}
	return nil, fmt.Errorf("step %s: %w: phase %q (want %q or %q)",
		t.Spec.Component, core.ErrInvalidArgument, req.Phase, core.PhaseD, core.PhaseG)
}

func (t *Trainer) stepD(req core.StepRequest) (core.StepResult, error) {
	if err := t.CheckSamples("step", "real", req.Real, true); err != nil {
		return nil, err
	}
	var negs []float32
	var negLabels []int32
	nNeg := 0
	if req.Negatives != nil {
		if err := t.CheckSamples("step", "negatives", req.Negatives, true); err != nil {
			return nil, err
		}
		if req.Lambda < 0 || req.Lambda > 1 {
			return nil, fmt.Errorf("step %s: %w: lambda %g, want in [0, 1]",
				t.Spec.Component, core.ErrInvalidArgument, req.Lambda)
		}
		negs, negLabels, nNeg = req.Negatives.Data, req.Negatives.Labels, req.Negatives.N()
	}
	n := req.Real.N()
	z, labels := t.Noise(t.Seed, req.Step, "z", n)
	l := t.TrainD(req.Real.Data, req.Real.Labels, negs, negLabels, z, labels, req.Lambda)
	t.cachedStep = req.Step
	res := core.StepResult{
		"loss_d": l.Total, "loss_d_real": l.Real, "loss_d_fake": l.Fake,
		"d_real": l.MeanReal, "d_fake": l.MeanFake,
	}
	if nNeg > 0 {
		res["loss_d_neg"], res["d_neg"] = l.Neg, l.MeanNeg
	}
	return res, nil
}

// TrainD generates as many fakes as there are reals from z, runs D once
// over reals, fakes and negatives stacked, and applies one Adam update to D.
// It leaves the fakes and G's activations cached for the G step.
func (t *Trainer) TrainD(real []float32, realLabels []int32, negs []float32, negLabels []int32,
	z []float32, labels []int32, lambda float64) objective.DTerms {
	size := t.Spec.sampleSize()
	n, nNeg := len(real)/size, len(negs)/size
	fake := t.G.Forward(n, z, labels, true)
	t.cached, t.fake, t.fakeLabels = true, fake, labels

	// One pass over [real; fake; negatives].
	total := 2*n + nNeg
	t.dIn = nn.Resize(t.dIn, total*size)
	copy(t.dIn, real)
	copy(t.dIn[n*size:], fake)
	copy(t.dIn[2*n*size:], negs)
	var dLabels []int32
	if t.Spec.Classes > 0 {
		t.dLabels = append(append(append(t.dLabels[:0], realLabels...), labels...), negLabels...)
		dLabels = t.dLabels
	}

	t.D.UpdateSpectralNorm()
	t.D.Net().ZeroGrad()
	logits := t.D.Forward(total, t.dIn, dLabels)
	t.dLogit = nn.Resize(t.dLogit, total)
	l := objective.DiscriminatorLossGrad(t.Spec.Loss, logits, n, n, nNeg, lambda, t.dLogit)
	t.D.Backward(t.dLogit, false, true)
	// The gradients match the parameters by construction; an error is a bug.
	if err := t.OptD.Step(t.D.Net().Grads()); err != nil {
		panic(fmt.Sprintf("%s: adam: %v", t.Spec.Component, err))
	}
	return l
}

func (t *Trainer) stepG(req core.StepRequest) (core.StepResult, error) {
	n := 0
	if req.Real != nil {
		if err := t.CheckSamples("step", "real", req.Real, false); err != nil {
			return nil, err
		}
		n = req.Real.N()
	}
	size := t.Spec.sampleSize()
	if !t.cached || t.cachedStep != req.Step || (n > 0 && n != len(t.fake)/size) {
		// No D step at this global step (or another batch size): draw the
		// keyed noise the D step would have drawn and run G afresh.
		if n == 0 {
			return nil, fmt.Errorf("step %s: %w: a G step without a preceding D step "+
				"needs Real to fix the batch size", t.Spec.Component, core.ErrInvalidArgument)
		}
		z, labels := t.Noise(t.Seed, req.Step, "z", n)
		t.fake, t.fakeLabels = t.G.Forward(n, z, labels, true), labels
	}
	loss := t.TrainG()
	t.cached = false
	return core.StepResult{"loss_g": loss}, nil
}

// TrainG runs D over the cached fakes, backpropagates L_G (-E[D(G(z))] for
// the hinge loss) through D (input gradient only) into G, and applies one
// Adam update to G.
func (t *Trainer) TrainG() float64 {
	n := len(t.fake) / t.Spec.sampleSize()
	logits := t.D.Forward(n, t.fake, t.fakeLabels)
	t.dLogit = nn.Resize(t.dLogit, n)
	loss := objective.GeneratorLossGrad(t.Spec.Loss, logits, t.dLogit[:n])
	dFake := t.D.Backward(t.dLogit[:n], true, false)

	t.G.Net().ZeroGrad()
	t.G.Backward(dFake)
	if err := t.OptG.Step(t.G.Net().Grads()); err != nil {
		panic(fmt.Sprintf("%s: adam: %v", t.Spec.Component, err))
	}
	t.gStepsTaken++
	if t.EMA != nil {
		t.EMA.Update(t.gStepsTaken)
	}
	return loss
}

// evalChunk bounds the batch of one evaluation forward, so generating or
// scoring many samples keeps memory flat.
const evalChunk = 256

// Generate draws req.N samples with G in evaluation mode (running batch-norm
// statistics), from the EMA weights when req.EMA and the model keeps them.
func (t *Trainer) Generate(ctx context.Context, req core.GenerateRequest) (*core.Batch, error) {
	c := t.Spec.Component
	if req.N < 0 {
		return nil, fmt.Errorf("generate %s: %w: N = %d", c, core.ErrInvalidArgument, req.N)
	}
	if req.Labels != nil && len(req.Labels) != req.N {
		return nil, fmt.Errorf("generate %s: %w: %d labels for %d samples",
			c, core.ErrInvalidArgument, len(req.Labels), req.N)
	}
	s := t.Spec.Sample
	out := core.NewBatch(req.N, s[0], s[1], s[2])
	z, labels := t.Noise(req.Seed, 0, "generate", req.N)
	if req.Labels != nil && t.Spec.Classes > 0 {
		if err := t.checkLabels("generate", "requested", req.Labels); err != nil {
			return nil, err
		}
		labels = req.Labels
	}
	out.Labels = labels

	// G's buffers are about to be overwritten: the D step's cache is gone.
	t.cached = false
	if req.EMA && t.EMA != nil {
		t.EMA.Swap()
		defer t.EMA.Swap()
	}
	size, zd := t.Spec.sampleSize(), t.Spec.ZDim
	for lo := 0; lo < req.N; lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("generate %s: %w: %v", c, core.ErrCanceled, err)
		}
		hi := min(req.N, lo+evalChunk)
		var lab []int32
		if labels != nil {
			lab = labels[lo:hi]
		}
		copy(out.Data[lo*size:], t.G.Forward(hi-lo, z[lo*zd:hi*zd], lab, false))
	}
	return out, nil
}

// Score returns D's raw logits, N×1×1×1, higher meaning more like the
// training data. A conditional model needs labels.
func (t *Trainer) Score(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return t.evalD(ctx, "score", in, 1)
}

// Embed returns D's features (the input of its final linear layer),
// N×FeatDim×1×1.
func (t *Trainer) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return t.evalD(ctx, "embed", in, t.Spec.FeatDim)
}

// evalD runs D over in by chunks and collects its logits (width 1) or its
// features.
func (t *Trainer) evalD(ctx context.Context, op string, in *core.Batch, width int) (*core.Batch, error) {
	if err := t.CheckSamples(op, "input", in, true); err != nil {
		return nil, err
	}
	out := core.NewBatch(in.N(), width, 1, 1)
	out.Labels = in.Labels
	size := t.Spec.sampleSize()
	for lo := 0; lo < in.N(); lo += evalChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %v", op, t.Spec.Component, core.ErrCanceled, err)
		}
		hi := min(in.N(), lo+evalChunk)
		var lab []int32
		if t.Spec.Classes > 0 {
			lab = in.Labels[lo:hi]
		}
		logits := t.D.Forward(hi-lo, in.Data[lo*size:hi*size], lab)
		if width == 1 {
			copy(out.Data[lo:], logits[:hi-lo])
		} else {
			copy(out.Data[lo*width:], t.D.Features()[:(hi-lo)*width])
		}
	}
	return out, nil
}
