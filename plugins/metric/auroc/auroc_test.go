package auroc

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
)

const tol = 1e-12

func TestEvaluateByHand(t *testing.T) {
	cases := []struct {
		name               string
		pos, neg           []float64
		auroc, fpr95, aupr float64
	}{
		{
			// Pairs won by each positive (16 pairs): 0.9 beats all 4 → 4;
			// each 0.8 beats 0.5, 0.3, 0.1 and ties 0.8 → 3.5, twice → 7;
			// 0.3 beats 0.1 and ties 0.3 → 1.5. AUROC = 12.5/16 = 0.78125.
			// TPR ≥ 95 % needs all 4 positives, threshold 0.3, which also
			// accepts 0.8, 0.5, 0.3 of the negatives: FPR95 = 3/4.
			// AP over thresholds (tp, fp): 0.9 (1, 0) ΔR 1/4 P 1; 0.8 (3, 1)
			// ΔR 2/4 P 3/4; 0.5 ΔR 0; 0.3 (4, 3) ΔR 1/4 P 4/7; 0.1 ΔR 0.
			// AP = 1/4 + 3/8 + 1/7.
			name: "ties", pos: []float64{0.8, 0.9, 0.3, 0.8}, neg: []float64{0.1, 0.8, 0.3, 0.5},
			auroc: 12.5 / 16, fpr95: 0.75, aupr: 0.25 + 0.375 + 1.0/7,
		},
		{
			// Perfect separation: every pair right, no negative accepted
			// before all positives, precision 1 throughout.
			name: "separated", pos: []float64{3, 4, 5}, neg: []float64{0, 1, 2},
			auroc: 1, fpr95: 0, aupr: 1,
		},
		{
			// Reversed: no pair right; TPR reaches 95 % only after both
			// negatives; AP = ½·1/3 + ½·2/4 = 5/12.
			name: "reversed", pos: []float64{0, 1}, neg: []float64{2, 3},
			auroc: 0, fpr95: 1, aupr: 5.0 / 12,
		},
		{
			// One tied group: every pair half right; one threshold accepts
			// all, P = 2/5, ΔR = 1.
			name: "all tied", pos: []float64{1, 1}, neg: []float64{1, 1, 1},
			auroc: 0.5, fpr95: 1, aupr: 0.4,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Evaluate(c.pos, c.neg)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.AUROC-c.auroc) > tol || math.Abs(s.FPR95-c.fpr95) > tol ||
				math.Abs(s.AUPR-c.aupr) > tol {
				t.Errorf("got %+v, want AUROC %v FPR95 %v AUPR %v", s, c.auroc, c.fpr95, c.aupr)
			}
		})
	}
}

func TestFPR95TwentyPositives(t *testing.T) {
	// Positives 1..20; TPR ≥ 0.95 needs 19 of 20, threshold 2 (scores 2..20).
	// Negatives ≥ 2: 2, 2, 5, 19.5, 25, so FPR95 = 5/6.
	// AUROC per negative (#positives above + ½ #tied): 0.5 → 20;
	// 2 → 18 + ½, twice → 37; 5 → 15.5; 19.5 → 1; 25 → 0.
	// U = 73.5 of 20·6 = 120 pairs: AUROC = 0.6125.
	pos := make([]float64, 20)
	for i := range pos {
		pos[i] = float64(i + 1)
	}
	s, err := Evaluate(pos, []float64{25, 2, 0.5, 19.5, 5, 2})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.FPR95-5.0/6) > tol || math.Abs(s.AUROC-0.6125) > tol {
		t.Errorf("FPR95, AUROC = %v, %v; want 5/6, 0.6125", s.FPR95, s.AUROC)
	}
}

func TestAUROCAgainstPairCount(t *testing.T) {
	// Scores rounded to a coarse grid so many tie; AUROC against the
	// definition counted over every pair.
	r := rand.New(rand.NewPCG(1, 2))
	pos, neg := make([]float64, 300), make([]float64, 200)
	for i := range pos {
		pos[i] = math.Round(4*r.NormFloat64()+2) / 4
	}
	for i := range neg {
		neg[i] = math.Round(4*r.NormFloat64()) / 4
	}
	var u float64
	for _, a := range pos {
		for _, b := range neg {
			switch {
			case a > b:
				u++
			case a == b:
				u += 0.5
			}
		}
	}
	s, err := Evaluate(pos, neg)
	if err != nil {
		t.Fatal(err)
	}
	if want := u / (300 * 200); math.Abs(s.AUROC-want) > tol {
		t.Errorf("AUROC = %v, pair count gives %v", s.AUROC, want)
	}
}

func TestMetricCompute(t *testing.T) {
	m := New()
	desc, err := m.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := desc.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg, err := desc.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	scores := func(v ...float32) *core.Batch {
		return &core.Batch{Shape: [4]int{len(v), 1, 1, 1}, Data: v}
	}
	out, err := m.Compute(context.Background(), cfg, map[string]*core.Batch{
		core.InputScoresIn: scores(0.8, 0.9, 0.3, 0.8), core.InputScoresOut: scores(0.1, 0.8, 0.3, 0.5)})
	if err != nil {
		t.Fatal(err)
	}
	// float32 0.8 and 0.3 are still equal to themselves: the same ties as
	// the "ties" case of TestEvaluateByHand.
	if math.Abs(out["auroc"]-0.78125) > tol || math.Abs(out["fpr95"]-0.75) > tol {
		t.Errorf("got %v", out)
	}

	for name, in := range map[string]map[string]*core.Batch{
		"no out":      {core.InputScoresIn: scores(1)},
		"empty in":    {core.InputScoresIn: scores(), core.InputScoresOut: scores(1)},
		"not scalars": {core.InputScoresIn: core.NewBatch(2, 2, 1, 1), core.InputScoresOut: scores(1)},
		"nan":         {core.InputScoresIn: scores(float32(math.NaN())), core.InputScoresOut: scores(1)},
	} {
		if _, err := m.Compute(context.Background(), cfg, in); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

// BenchmarkEvaluate1M: the target is 1,000,000 scores under 1 s.
func BenchmarkEvaluate1M(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	pos, neg := make([]float64, 500000), make([]float64, 500000)
	for i := range pos {
		pos[i] = float64(float32(r.NormFloat64() + 1))
		neg[i] = float64(float32(r.NormFloat64()))
	}
	start := cpuTime()
	for b.Loop() {
		if _, err := Evaluate(pos, neg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}
