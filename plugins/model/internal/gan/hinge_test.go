package gan

import (
	"math"
	"testing"
)

func TestHingeD(t *testing.T) {
	// Reals 2 and 0.5 (only 0.5 inside the margin), fakes -2 and 0, negs
	// 0.5 and -0.5; lambda 0.25.
	logits := []float32{2, 0.5, -2, 0, 0.5, -0.5}
	grad := make([]float32, len(logits))
	l := HingeD(logits, 2, 2, 2, 0.25, grad)
	want := DLosses{Real: 0.25, Fake: 0.5, Neg: 1, Total: 0.25 + 0.25*0.5 + 0.75*1,
		MeanReal: 1.25, MeanFake: -1, MeanNeg: 0}
	if math.Abs(l.Total-want.Total) > 1e-12 || l.Real != want.Real || l.Fake != want.Fake ||
		l.Neg != want.Neg || l.MeanReal != want.MeanReal || l.MeanFake != want.MeanFake {
		t.Fatalf("losses %+v, want %+v", l, want)
	}
	wantGrad := []float32{0, -0.5, 0, 0.125, 0.375, 0.375}
	for i := range grad {
		if math.Abs(float64(grad[i]-wantGrad[i])) > 1e-7 {
			t.Fatalf("grad %v, want %v", grad, wantGrad)
		}
	}

	// Finite differences away from the kinks at ±1.
	const h = 1e-3
	for i := range logits {
		old := logits[i]
		logits[i] = old + h
		up := HingeD(logits, 2, 2, 2, 0.25, make([]float32, 6)).Total
		logits[i] = old - h
		down := HingeD(logits, 2, 2, 2, 0.25, make([]float32, 6)).Total
		logits[i] = old
		if fd := (up - down) / (2 * h); math.Abs(fd-float64(grad[i])) > 1e-4 {
			t.Errorf("logit %d: analytic %g, finite difference %g", i, grad[i], fd)
		}
	}

	// Without negatives fakes weigh 1 whatever lambda.
	l = HingeD([]float32{0, 0}, 1, 1, 0, 0.25, grad[:2])
	if l.Total != 2 || grad[1] != 1 {
		t.Fatalf("no negatives: total %g grad %v, want 2 and [-1 1]", l.Total, grad[:2])
	}
}

func TestHingeG(t *testing.T) {
	grad := make([]float32, 4)
	if loss := HingeG([]float32{1, 2, 3, -2}, grad); loss != -1 {
		t.Fatalf("loss %g, want -1", loss)
	}
	for _, g := range grad {
		if g != -0.25 {
			t.Fatalf("grad %v, want all -0.25", grad)
		}
	}
}
