// Package auroc is the built-in "auroc" metric for anomaly detection: how
// well a score separates in-distribution samples (the positive class) from
// out-of-distribution ones, where a higher score means more
// in-distribution, as with a raw GAN discriminator logit.
//
// It returns three threshold-free summaries of the score, computed in
// O(n log n) with tied scores handled exactly:
//
//   - auroc: area under the ROC curve, the Mann-Whitney U statistic
//     P(s_in > s_out) + ½ P(s_in = s_out);
//   - fpr95: the false positive rate at the first threshold, scanning down,
//     whose true positive rate reaches 95 % (lower is better);
//   - aupr: area under the precision-recall curve with in-distribution as
//     positive (AUPR-In), as step-wise average precision
//     Σ (R_k - R_{k-1}) P_k over distinct thresholds, like scikit-learn's
//     average_precision_score.
package auroc

import (
	"context"
	"fmt"
	"slices"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
)

// Name is the metric's registered name.
const Name = "auroc"

// Metric is the "auroc" metric. It holds no state; one value serves any
// number of concurrent Compute calls.
type Metric struct{}

// New returns the metric.
func New() *Metric { return &Metric{} }

// Describe returns the metric's descriptor.
func (*Metric) Describe(context.Context) (*core.Descriptor, error) { return descriptor(), nil }

func descriptor() *core.Descriptor {
	return &core.Descriptor{
		Kind:           core.KindMetric,
		Name:           Name,
		Version:        "0.1.0",
		Doc:            "AUROC, FPR at 95% TPR and AUPR of in- vs out-of-distribution scores",
		Inputs:         []string{core.InputScoresIn, core.InputScoresOut},
		Outputs:        []string{"auroc", "fpr95", "aupr"},
		HigherIsBetter: true,
	}
}

// Compute returns {"auroc", "fpr95", "aupr"} for scores_in and scores_out
// (N×1×1×1 each, at least one score each).
func (*Metric) Compute(_ context.Context, cfg core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	if _, err := descriptor().Resolve(cfg); err != nil {
		return nil, err
	}
	pos, err := inputs.Scores(Name, in, core.InputScoresIn, 1)
	if err != nil {
		return nil, err
	}
	neg, err := inputs.Scores(Name, in, core.InputScoresOut, 1)
	if err != nil {
		return nil, err
	}
	s, err := Evaluate(pos, neg)
	if err != nil {
		return nil, err
	}
	return map[string]float64{"auroc": s.AUROC, "fpr95": s.FPR95, "aupr": s.AUPR}, nil
}

// Summary holds the three curve summaries; see the package doc.
type Summary struct {
	AUROC float64
	FPR95 float64
	AUPR  float64
}

// Evaluate summarises how scores pos (in-distribution) rank above scores
// neg. Both must be non-empty and free of NaN; the slices are not modified.
func Evaluate(pos, neg []float64) (Summary, error) {
	if len(pos) == 0 || len(neg) == 0 {
		return Summary{}, fmt.Errorf("%w: auroc: need at least one in- and one "+
			"out-of-distribution score, got %d and %d", core.ErrInvalidArgument, len(pos), len(neg))
	}
	p, n := slices.Clone(pos), slices.Clone(neg)
	slices.Sort(p)
	slices.Sort(n)
	np, nn := len(p), len(n)

	// Walk the distinct scores from the highest down, taking each tied group
	// of both classes at once: a threshold at score v accepts everything
	// ≥ v, so ties move TPR and FPR together.
	var (
		tp, fp int     // accepted positives and negatives so far
		u      float64 // Mann-Whitney U: positive-negative pairs ranked right
		ap     float64
		fpr95  = -1.0
	)
	i, j := np-1, nn-1
	for i >= 0 || j >= 0 {
		v := p[max(i, 0)]
		if i < 0 || (j >= 0 && n[j] > v) {
			v = n[j]
		}
		gp, gn := 0, 0
		for ; i >= 0 && p[i] == v; i-- {
			gp++
		}
		for ; j >= 0 && n[j] == v; j-- {
			gn++
		}

		// This group's positives beat the negatives below it and tie its own.
		u += float64(gp) * (float64(nn-fp-gn) + 0.5*float64(gn))
		tp += gp
		fp += gn
		ap += float64(gp) / float64(np) * float64(tp) / float64(tp+fp)
		if fpr95 < 0 && 20*tp >= 19*np { // TPR ≥ 0.95, in integers
			fpr95 = float64(fp) / float64(nn)
		}
	}
	return Summary{AUROC: u / (float64(np) * float64(nn)), FPR95: fpr95, AUPR: ap}, nil
}
