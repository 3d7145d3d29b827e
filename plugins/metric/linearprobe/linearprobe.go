// Package linearprobe is the built-in "linear-probe" metric: top-1 accuracy
// of a multinomial logistic regression trained on frozen features, the
// standard evaluation of a self-supervised encoder.
//
// The runner sends labelled train and test features (N×D×1×1). Features are
// standardised with the train set's mean and standard deviation, then the
// probe is trained with a fixed schedule (see Options): same inputs and
// seed, same accuracy.
package linearprobe

import (
	"context"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
)

// Name is the metric's registered name.
const Name = "linear-probe"

// maxClasses bounds label values, so a corrupt label cannot size the
// weight matrix.
const maxClasses = 1 << 16

// Metric is the "linear-probe" metric. It holds no state; one value serves
// any number of concurrent Compute calls.
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
		Doc:     "top-1 accuracy of a logistic-regression probe trained on frozen features",
		Params: []core.Param{
			{Name: "epochs", Type: core.TypeInt, Default: 30, Min: core.Bound(1),
				Doc: "passes over the train features"},
			{Name: "batch_size", Type: core.TypeInt, Default: 256, Min: core.Bound(1),
				Doc: "minibatch size; at least N means full-batch gradient descent"},
			{Name: "lr", Type: core.TypeFloat, Default: 0.1, Min: core.Bound(0),
				Doc: "initial learning rate, decayed to 0 along a half cosine"},
			{Name: "momentum", Type: core.TypeFloat, Default: 0.9,
				Min: core.Bound(0), Max: core.Bound(1), Doc: "SGD momentum"},
			{Name: "weight_decay", Type: core.TypeFloat, Default: 1e-4, Min: core.Bound(0),
				Doc: "L2 penalty (weight_decay/2)·|W|² on the weights"},
			{Name: "seed", Type: core.TypeInt, Default: 0, Doc: "seed of the minibatch shuffles"},
		},
		Inputs:         []string{core.InputTrainFeatures, core.InputTestFeatures},
		Outputs:        []string{"top1", "train_top1"},
		HigherIsBetter: true,
	}
}

// Compute returns {"top1": test accuracy, "train_top1": train accuracy}.
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
	classes := 0
	for _, l := range append(append([]int(nil), trainY...), testY...) {
		classes = max(classes, l+1)
	}

	p, err := Train(ctx, train, trainY, classes, Options{
		Epochs:      cfg.Int("epochs"),
		BatchSize:   cfg.Int("batch_size"),
		LR:          cfg.Float("lr"),
		Momentum:    cfg.Float("momentum"),
		WeightDecay: cfg.Float("weight_decay"),
		Seed:        int64(cfg.Int("seed")),
	})
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"top1":       accuracy(p.Predict(test), testY),
		"train_top1": accuracy(p.Predict(train), trainY),
	}, nil
}

func accuracy(pred, want []int) float64 {
	right := 0
	for i, p := range pred {
		if p == want[i] {
			right++
		}
	}
	return float64(right) / float64(len(want))
}
