// Package plugintest is the conformance kit for ndalab plugins. Check runs
// it against any component (in-process, or a real process started by the
// registry); Run wraps Check for go test and also runs it over an in-memory
// gRPC connection, so the protocol path is covered without a build.
package plugintest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ndalab/ndalab/core"
)

// Options adjust the kit to a component.
type Options struct {
	// Config is passed to every call; required parameters must be set here.
	Config core.Config
	// InputShape is C×H×W of the samples a model or augmentation takes. Zero
	// means: derived from the model's own samples if it generates, else
	// tried from common shapes (1×28×28, 3×32×32, 2×1×1).
	InputShape [3]int
	// BatchSize of synthetic inputs; zero means 8.
	BatchSize int
	// InProcess says the component is called directly rather than through
	// the protocol server, which resolves configs before a component sees
	// them; the unknown-parameter checks are then skipped.
	InProcess bool
}

// Result is the outcome of one named check.
type Result struct {
	Name string
	Err  error // nil when the check passed
}

// Report lists every check in the order run.
type Report []Result

// Failed returns the failed checks.
func (r Report) Failed() Report {
	var out Report
	for _, c := range r {
		if c.Err != nil {
			out = append(out, c)
		}
	}
	return out
}

// checker accumulates results; a failed prerequisite skips what needs it.
type checker struct {
	ctx    context.Context
	opts   Options
	report Report
}

func (k *checker) check(name string, f func() error) bool {
	err := f()
	k.report = append(k.report, Result{Name: name, Err: err})
	return err == nil
}

// Check runs every check that applies to c's kind and capabilities.
func Check(ctx context.Context, c core.Component, opts Options) Report {
	if opts.BatchSize == 0 {
		opts.BatchSize = 8
	}
	k := &checker{ctx: ctx, opts: opts}

	var d *core.Descriptor
	if !k.check("describe", func() (err error) {
		d, err = c.Describe(ctx)
		if err != nil {
			return err
		}
		return d.Validate()
	}) {
		return k.report
	}

	var cfg core.Config
	if !k.check("config resolves against the descriptor", func() (err error) {
		cfg, err = d.Resolve(opts.Config)
		return err
	}) {
		return k.report
	}
	k.check("parameter defaults have their declared types", func() error {
		for _, p := range d.Params {
			if p.Default == nil {
				continue
			}
			if _, err := p.Convert(p.Default); err != nil {
				return err
			}
		}
		return nil
	})

	switch d.Kind {
	case core.KindDataset:
		k.dataset(c, d, cfg)
	case core.KindAugmentation:
		k.augmentation(c, d, cfg)
	case core.KindModel:
		k.model(c, d, cfg)
	case core.KindMetric:
		k.metric(c, d, cfg)
	}
	return k.report
}

// withUnknownKey returns cfg plus a key no component declares; calls with it
// must fail with core.ErrInvalidArgument, on the host too.
func withUnknownKey(cfg core.Config) core.Config {
	bad := core.Config{"no_such_parameter_xyz": 1}
	for k, v := range cfg {
		bad[k] = v
	}
	return bad
}

func wantInvalidArgument(err error) error {
	if err == nil {
		return errors.New("an unknown parameter was accepted")
	}
	if !errors.Is(err, core.ErrInvalidArgument) {
		return fmt.Errorf("want an invalid-argument error, got: %v", err)
	}
	return nil
}

// synthetic returns a labelled batch of uniform values in [-1, 1].
func synthetic(seed uint64, n int, shape [3]int, classes int) *core.Batch {
	r := rand.New(rand.NewPCG(seed, 17))
	b := core.NewBatch(n, shape[0], shape[1], shape[2])
	for i := range b.Data {
		b.Data[i] = float32(r.Float64()*2 - 1)
	}
	b.Labels = make([]int32, n)
	for i := range b.Labels {
		b.Labels[i] = int32(i % max(classes, 1))
	}
	return b
}

func finite(b *core.Batch) error {
	for i, v := range b.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("value %d is %v", i, v)
		}
	}
	return nil
}

func inRange(b *core.Batch, lo, hi float32) error {
	for i, v := range b.Data {
		if v < lo || v > hi || math.IsNaN(float64(v)) {
			return fmt.Errorf("value %d is %v, outside [%v, %v]", i, v, lo, hi)
		}
	}
	return nil
}

func equalBatches(a, b *core.Batch) bool {
	return a.Shape == b.Shape && slices.Equal(a.Data, b.Data) && slices.Equal(a.Labels, b.Labels)
}

// The sample shapes the kit tries when Options.InputShape is unset: MNIST,
// CIFAR and 2-D points.
var (
	commonShapes       = [][3]int{{1, 28, 28}, {3, 32, 32}, {2, 1, 1}}
	augmentationShapes = [][3]int{{3, 32, 32}, {1, 28, 28}, {2, 1, 1}}
)
