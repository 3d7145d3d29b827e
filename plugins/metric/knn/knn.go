// Package knn is the built-in "knn" metric: weighted k-nearest-neighbour
// classification on frozen features, the evaluation of Wu et al. (2018)
// used for contrastive encoders. Both train and test features (N×D×1×1,
// labelled) are scaled to unit length; each test sample takes its k most
// cosine-similar train samples, each voting for its label with weight
// exp(sim/τ); the class with the largest total is the prediction. The
// defaults, k = 20 and τ = 0.07, are those of the NDA paper's evaluation.
//
// The cost is one similarity product: 50,000 train and 10,000 test 512-d
// features take 0.5 TFLOP, about 25 s on two cores with gonum's float32
// kernels.
package knn

import (
	"context"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// Name is the metric's registered name.
const Name = "knn"

// maxClasses bounds label values, so a corrupt label cannot size the vote
// table.
const maxClasses = 1 << 16

// Metric is the "knn" metric. It holds no state; one value serves any
// number of concurrent Compute calls.
type Metric struct{}

// New returns the metric.
func New() *Metric { return &Metric{} }

// Describe returns the metric's descriptor.
func (*Metric) Describe(context.Context) (*core.Descriptor, error) { return descriptor(), nil }

func descriptor() *core.Descriptor {
	return &core.Descriptor{
		Kind:    core.KindMetric,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "top-1 accuracy of cosine k-NN votes weighted by exp(sim/temperature)",
		Params: []core.Param{
			{Name: "k", Type: core.TypeInt, Default: 20, Min: core.Bound(1),
				Doc: "neighbours that vote (capped at the train set size)"},
			{Name: "temperature", Type: core.TypeFloat, Default: 0.07, Min: core.Bound(1e-6),
				Doc: "τ in the vote weight exp(cosine similarity / τ)"},
		},
		Inputs:         []string{core.InputTrainFeatures, core.InputTestFeatures},
		Outputs:        []string{"top1"},
		HigherIsBetter: true,
	}
}

// Compute returns {"top1": fraction of test samples classified right}.
// The config is resolved again here, so unknown keys are refused.
func (*Metric) Compute(ctx context.Context, cfg core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	train, trainY, err := inputs.Labelled(Name, in, core.InputTrainFeatures, 1, maxClasses)
	if err != nil {
		return nil, err
	}
	test, testY, err := inputs.Labelled(Name, in, core.InputTestFeatures, 1, maxClasses)
	if err != nil {
		return nil, err
	}
	err = inputs.SameDim(Name, train, test, core.InputTrainFeatures, core.InputTestFeatures)
	if err != nil {
		return nil, err
	}
	pred, err := Classify(ctx, train, trainY, test, cfg.Int("k"), cfg.Float("temperature"))
	if err != nil {
		return nil, err
	}
	right := 0
	for i, p := range pred {
		if p == testY[i] {
			right++
		}
	}
	return map[string]float64{"top1": float64(right) / float64(len(pred))}, nil
}

// testBlock is how many test rows share one similarity product.
const testBlock = 256

// Classify predicts a label for every row of test from the k train rows of
// highest cosine similarity, votes weighted by exp(sim/tau). Ties (equal
// similarity, equal vote totals) go to the lower index, so the result is
// deterministic. Neither matrix is modified.
func Classify(ctx context.Context, train *mat.Dense, labels []int, test *mat.Dense,
	k int, tau float64) ([]int, error) {
	nTrain, d := train.Dims()
	nTest, _ := test.Dims()
	k = min(k, nTrain)
	classes := 0
	for _, l := range labels {
		classes = max(classes, l+1)
	}
	tr, te := unitRows(train), unitRows(test)

	// Similarities in float32: features arrive as float32, cosine
	// similarities of unit vectors need no more, and gonum's float32 kernels
	// are about 1.7 times faster. Votes are summed in float64.
	pred := make([]int, nTest)
	top := newTopK(k)
	votes := make([]float64, classes)
	sim := make([]float32, min(testBlock, nTest)*nTrain)
	for r0 := 0; r0 < nTest; r0 += testBlock {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("knn: %w: %v", core.ErrCanceled, err)
		}
		r1 := min(r0+testBlock, nTest)
		block := blas32.General{Rows: r1 - r0, Cols: d, Stride: d, Data: te.Data[r0*d : r1*d]}
		g := blas32.General{Rows: r1 - r0, Cols: nTrain, Stride: nTrain, Data: sim}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, block, tr, 0, g)
		for i := r0; i < r1; i++ {
			top.reset()
			for j, s := range g.Data[(i-r0)*nTrain : (i-r0+1)*nTrain] {
				top.offer(float64(s), j)
			}
			clear(votes)
			for n := range top.len() {
				s, j := top.at(n)
				votes[labels[j]] += math.Exp(s / tau)
			}
			best := 0
			for c, v := range votes {
				if v > votes[best] {
					best = c
				}
			}
			pred[i] = best
		}
	}
	return pred, nil
}

// unitRows returns x (N×D) in float32 with every non-zero row scaled to
// unit length; zero rows stay zero (similarity 0 to everything).
func unitRows(x *mat.Dense) blas32.General {
	n, d := x.Dims()
	out := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range n {
		row := x.RawRowView(i)
		var s float64
		for _, v := range row {
			s += v * v
		}
		if s == 0 {
			continue
		}
		inv := 1 / math.Sqrt(s)
		for j, v := range row {
			out.Data[i*d+j] = float32(v * inv)
		}
	}
	return out
}
