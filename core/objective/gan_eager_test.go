package objective

import (
	"math"
	"testing"
)

// TestEagerHingeByHand: reals 2 and 0.5 (only 0.5 inside the margin),
// fakes -2 and 0, negatives 0.5 and -0.5, λ = 0.25.
func TestEagerHingeByHand(t *testing.T) {
	logits := []float32{2, 0.5, -2, 0, 0.5, -0.5}
	grad := make([]float32, len(logits))
	got := DiscriminatorLossGrad(Hinge, logits, 2, 2, 2, 0.25, grad)
	want := DTerms{Real: 0.25, Fake: 0.5, Neg: 1, Total: 0.25 + 0.25*0.5 + 0.75*1,
		MeanReal: 1.25, MeanFake: -1, MeanNeg: 0}
	if math.Abs(got.Total-want.Total) > 1e-12 || got.Real != want.Real ||
		got.Fake != want.Fake || got.Neg != want.Neg || got.MeanReal != want.MeanReal ||
		got.MeanFake != want.MeanFake || got.MeanNeg != want.MeanNeg {
		t.Fatalf("terms %+v, want %+v", got, want)
	}
	wantGrad := []float32{0, -0.5, 0, 0.125, 0.375, 0.375}
	for i := range grad {
		if math.Abs(float64(grad[i]-wantGrad[i])) > 1e-7 {
			t.Fatalf("grad %v, want %v", grad, wantGrad)
		}
	}

	// Without negatives the generated side weighs 1 whatever λ.
	got = DiscriminatorLossGrad(Hinge, []float32{0, 0}, 1, 1, 0, 0.25, grad[:2])
	if got.Total != 2 || grad[0] != -1 || grad[1] != 1 {
		t.Fatalf("no negatives: total %g grad %v, want 2 and [-1 1]", got.Total, grad[:2])
	}

	if l := GeneratorLossGrad(Hinge, []float32{1, 2, 3, -2}, grad[:4]); l != -1 {
		t.Fatalf("L_G = %g, want -1", l)
	}
	for _, g := range grad[:4] {
		if g != -0.25 {
			t.Fatalf("L_G grad %v, want all -0.25", grad[:4])
		}
	}
}

// TestEagerLossesMatchReference holds both loss families to the reference
// functions (which the graph losses are tested against) in value, and their
// gradients to central differences of those functions.
func TestEagerLossesMatchReference(t *testing.T) {
	real, fake, neg := kinkFree(11, 5), kinkFree(12, 5), kinkFree(13, 3)
	refD := map[Loss]func(r, f, n []float64, l float64) float64{
		Hinge: HingeD, NonSaturating: NonSaturatingD}
	refG := map[Loss]func(f []float64) float64{Hinge: HingeG, NonSaturating: NonSaturatingG}

	for _, loss := range []Loss{Hinge, NonSaturating} {
		for _, lambda := range []float64{0.25, 1} {
			negs := neg
			if lambda == 1 {
				negs = nil
			}
			all := append(append(append([]float64(nil), real...), fake...), negs...)
			logits := make([]float32, len(all))
			for i, v := range all {
				logits[i] = float32(v)
				all[i] = float64(logits[i]) // the reference sees the same values
			}
			nr, nf := len(real), len(fake)
			lossOf := func(v []float64) float64 {
				return refD[loss](v[:nr], v[nr:nr+nf], v[nr+nf:], lambda)
			}
			grad := make([]float32, len(logits))
			got := DiscriminatorLossGrad(loss, logits, nr, nf, len(negs), lambda, grad)
			if want := lossOf(all); math.Abs(got.Total-want) > 1e-9 {
				t.Errorf("%s λ=%g: L_D = %.12g, reference %.12g", loss, lambda, got.Total, want)
			}
			checkGrad(t, string(loss)+" L_D", all, grad, lossOf)

			fakes := all[nr : nr+nf]
			gGrad := make([]float32, nf)
			gl := GeneratorLossGrad(loss, logits[nr:nr+nf], gGrad)
			if want := refG[loss](fakes); math.Abs(gl-want) > 1e-9 {
				t.Errorf("%s: L_G = %.12g, reference %.12g", loss, gl, want)
			}
			checkGrad(t, string(loss)+" L_G", append([]float64(nil), fakes...), gGrad, refG[loss])
		}
	}
}

// checkGrad compares grad with central differences of f at x.
func checkGrad(t *testing.T, what string, x []float64, grad []float32, f func([]float64) float64) {
	t.Helper()
	const h, tol = 1e-5, 1e-6
	for i := range x {
		old := x[i]
		x[i] = old + h
		up := f(x)
		x[i] = old - h
		down := f(x)
		x[i] = old
		if fd := (up - down) / (2 * h); math.Abs(fd-float64(grad[i])) > tol {
			t.Errorf("%s: logit %d: analytic %.9g, finite difference %.9g", what, i, grad[i], fd)
		}
	}
}
