package objective

import (
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scores are drawn N(0, 1.5²) and kept away from the hinge's kinks at ±1,
// where a central difference straddles two slopes.
func kinkFree(seed uint64, n int) []float64 {
	v := randVals(seed, n, 1.5)
	for i, x := range v {
		if math.Abs(math.Abs(x)-1) < 1e-3 {
			v[i] += 0.01
		}
	}
	return v
}

func TestGANLosses(t *testing.T) {
	real, fake, neg := kinkFree(1, 6), kinkFree(2, 6), kinkFree(3, 6)
	tests := []struct {
		loss   Loss
		lambda float64
		wantD  float64
		wantG  float64
	}{
		{Hinge, 1, HingeD(real, fake, nil, 1), HingeG(fake)},
		{Hinge, 0.25, HingeD(real, fake, neg, 0.25), HingeG(fake)},
		{NonSaturating, 1, NonSaturatingD(real, fake, nil, 1), NonSaturatingG(fake)},
		{NonSaturating, 0.25, NonSaturatingD(real, fake, neg, 0.25), NonSaturatingG(fake)},
	}
	for _, tt := range tests {
		t.Run(string(tt.loss)+"/"+formatLambda(tt.lambda), func(t *testing.T) {
			buildD := func(g *backend.Graph, ps *backend.Params) (*gorgonia.Node, error) {
				r := g.Param(scores(ps, "real", real))
				f := g.Param(scores(ps, "fake", fake))
				var n *gorgonia.Node
				if tt.lambda != 1 {
					n = g.Param(scores(ps, "neg", neg))
				}
				return DiscriminatorLoss(tt.loss, r, f, n, tt.lambda)
			}
			buildG := func(g *backend.Graph, ps *backend.Params) (*gorgonia.Node, error) {
				return GeneratorLoss(tt.loss, g.Param(scores(ps, "fake", fake)))
			}

			got, _, _ := evalLoss(t, backend.NewParams("D", tensor.Float64, 1), buildD)
			if math.Abs(got-tt.wantD) > 1e-12 {
				t.Errorf("L_D = %.15g, plain function %.15g", got, tt.wantD)
			}
			got, _, _ = evalLoss(t, backend.NewParams("G", tensor.Float64, 1), buildG)
			if math.Abs(got-tt.wantG) > 1e-12 {
				t.Errorf("L_G = %.15g, plain function %.15g", got, tt.wantG)
			}
			checkGradients(t, backend.NewParams("D", tensor.Float64, 1), buildD)
			checkGradients(t, backend.NewParams("G", tensor.Float64, 1), buildG)
		})
	}
}

func formatLambda(l float64) string {
	if l == 1 {
		return "baseline"
	}
	return "nda"
}

// TestHingeByHand pins the plain hinge functions to numbers worked out by
// hand, so the graph tests above compare against something independent.
func TestHingeByHand(t *testing.T) {
	// real: relu(1-2)=0, relu(1-0.5)=0.5 → 0.25
	// fake: relu(1-1)=0, relu(1+0.5)=1.5 → 0.75
	// neg:  relu(1+3)=4, relu(1-3)=0     → 2
	// L_D = 0.25 + 0.25·0.75 + 0.75·2 = 1.9375
	got := HingeD([]float64{2, 0.5}, []float64{-1, 0.5}, []float64{3, -3}, 0.25)
	if math.Abs(got-1.9375) > 1e-15 {
		t.Errorf("HingeD = %g, want 1.9375", got)
	}
	if got := HingeG([]float64{-1, 0.5}); got != 0.25 {
		t.Errorf("HingeG = %g, want 0.25", got)
	}
	// softplus(0) = log 2.
	if got := NonSaturatingG([]float64{0}); math.Abs(got-math.Ln2) > 1e-15 {
		t.Errorf("NonSaturatingG(0) = %g, want log 2", got)
	}
	if got := softplus(800); got != 800 {
		t.Errorf("softplus(800) = %g, want 800 without overflow", got)
	}
}

func TestGANLossErrors(t *testing.T) {
	g, err := backend.NewGraph(backend.GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := g.Input("d", 4, 1).Node
	if _, err := DiscriminatorLoss(Hinge, d, d, nil, 0.25); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("lambda 0.25 without negatives: error = %v", err)
	}
	if _, err := DiscriminatorLoss(Hinge, d, d, d, 1.5); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("lambda 1.5: error = %v", err)
	}
	img := g.Input("img", 4, 3).Node
	if _, err := DiscriminatorLoss(Hinge, img, d, nil, 1); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("N×3 scores: error = %v", err)
	}
	if _, err := ParseLoss("wasserstein"); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("ParseLoss(wasserstein): error = %v", err)
	}
}

func TestNegativeLabels(t *testing.T) {
	got := NegativeLabels([]int32{3, 7}, 2)
	want := []int32{3, 3, 7, 7}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("NegativeLabels = %v, want %v", got, want)
		}
	}
}
