package plugintest

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
)

func (k *checker) dataset(c core.Component, d *core.Descriptor, cfg core.Config) {
	ds, ok := c.(core.Dataset)
	if !k.check("implements core.Dataset", func() error { return implements(ok, "core.Dataset") }) {
		return
	}
	var info core.DatasetInfo
	if !k.check("info of the train split", func() (err error) {
		info, err = ds.Info(k.ctx, cfg, core.SplitTrain)
		if err == nil && info.Size <= 0 {
			err = fmt.Errorf("train split has %d samples", info.Size)
		}
		return err
	}) {
		return
	}
	n := min(k.opts.BatchSize, info.Size)
	req := core.BatchRequest{Config: cfg, Split: core.SplitTrain, Seed: 1, Size: n}
	var first *core.Batch
	if !k.check("first batch has the declared shape, labels and range", func() (err error) {
		first, err = ds.Batch(k.ctx, req)
		if err != nil {
			return err
		}
		want := [4]int{n, info.Shape[0], info.Shape[1], info.Shape[2]}
		if first.Shape != want {
			return fmt.Errorf("shape %v, want %v", first.Shape, want)
		}
		if err := first.Validate(); err != nil {
			return err
		}
		if info.Classes > 0 && first.Labels == nil {
			return fmt.Errorf("info declares %d classes but the batch has no labels", info.Classes)
		}
		for i, l := range first.Labels {
			if info.Classes > 0 && (l < 0 || int(l) >= info.Classes) {
				return fmt.Errorf("label %d is %d, outside [0, %d)", i, l, info.Classes)
			}
		}
		return inRange(first, -1, 1)
	}) {
		return
	}
	k.check("the same request gives the same batch", func() error {
		again, err := ds.Batch(k.ctx, req)
		if err != nil {
			return err
		}
		if !equalBatches(first, again) {
			return errors.New("two identical requests returned different batches")
		}
		return nil
	})
	k.unknownKey(func() error {
		_, err := ds.Info(k.ctx, withUnknownKey(cfg), core.SplitTrain)
		return wantInvalidArgument(err)
	})
}

func (k *checker) augmentation(c core.Component, d *core.Descriptor, cfg core.Config) {
	aug, ok := c.(core.Augmentation)
	if !k.check(
		"implements core.Augmentation",
		func() error { return implements(ok, "core.Augmentation") },
	) {
		return
	}
	if !k.check("declares a role", func() error {
		if len(d.Roles) == 0 {
			return errors.New("no roles declared (negative and/or positive)")
		}
		return nil
	}) {
		return
	}
	shape := k.opts.InputShape
	if shape == [3]int{} && !k.check("accepts one of the common input shapes", func() (err error) {
		shape, err = k.augmentationShape(aug, d, cfg)
		return err
	}) {
		return
	}
	in := synthetic(1, k.opts.BatchSize, shape, 4)
	orig := in.Clone()
	for _, role := range d.Roles {
		req := core.AugmentRequest{Config: cfg, Role: role, Seed: 7, Step: 3}
		var out *core.Batch
		if !k.check(role+": output keeps shape, labels and range", func() (err error) {
			out, err = aug.Apply(k.ctx, req, in)
			if err != nil {
				return err
			}
			if out.Shape != in.Shape {
				return fmt.Errorf("shape %v, want %v", out.Shape, in.Shape)
			}
			if err := out.Validate(); err != nil {
				return err
			}
			if !equalInt32(out.Labels, in.Labels) {
				return errors.New("labels changed: a negative keeps its source image's label")
			}
			return inRange(out, -1, 1)
		}) {
			continue
		}
		k.check(role+": input is left unchanged", func() error {
			if !equalBatches(in, orig) {
				return errors.New("apply modified its input batch")
			}
			return nil
		})
		k.check(role+": same seed and step give the same output", func() error {
			again, err := aug.Apply(k.ctx, req, in)
			if err != nil {
				return err
			}
			if !equalBatches(out, again) {
				return errors.New("two identical requests returned different batches")
			}
			return nil
		})
	}
	k.unknownKey(func() error {
		_, err := aug.Apply(
			k.ctx,
			core.AugmentRequest{Config: withUnknownKey(cfg), Role: d.Roles[0]},
			in,
		)
		return wantInvalidArgument(err)
	})
}

// augmentationShape returns the first common sample shape aug accepts.
func (k *checker) augmentationShape(
	aug core.Augmentation,
	d *core.Descriptor,
	cfg core.Config,
) ([3]int, error) {
	var errs []error
	for _, s := range augmentationShapes {
		req := core.AugmentRequest{Config: cfg, Role: d.Roles[0], Seed: 7, Step: 3}
		_, err := aug.Apply(k.ctx, req, synthetic(1, k.opts.BatchSize, s, 4))
		if err == nil {
			return s, nil
		}
		errs = append(errs, fmt.Errorf("%v: %w", s, err))
	}
	return [3]int{}, fmt.Errorf(
		"set Options.InputShape (ndalab plugins check --input): %w",
		errors.Join(errs...),
	)
}

func (k *checker) metric(c core.Component, d *core.Descriptor, cfg core.Config) {
	m, ok := c.(core.Metric)
	if !k.check("implements core.Metric", func() error { return implements(ok, "core.Metric") }) {
		return
	}
	if !k.check("declares inputs and outputs", func() error {
		if len(d.Inputs) == 0 || len(d.Outputs) == 0 {
			return fmt.Errorf("inputs %v, outputs %v: both must be declared", d.Inputs, d.Outputs)
		}
		return nil
	}) {
		return
	}
	inputs := map[string]*core.Batch{}
	for i, name := range d.Inputs {
		shape := [3]int{8, 1, 1}
		switch name {
		case core.InputScoresIn, core.InputScoresOut:
			shape = [3]int{1, 1, 1}
		case core.InputGeneratedPoints:
			shape = [3]int{2, 1, 1}
		}
		inputs[name] = synthetic(uint64(10+i), 64, shape, 4)
	}
	var values map[string]float64
	if !k.check("compute returns every declared output, finite", func() (err error) {
		values, err = m.Compute(k.ctx, cfg, inputs)
		if err != nil {
			return err
		}
		for _, name := range d.Outputs {
			v, ok := values[name]
			if !ok {
				return fmt.Errorf("output %q is missing (got %v)", name, values)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("output %q is %v", name, v)
			}
		}
		return nil
	}) {
		return
	}
	k.check("the same inputs give the same values", func() error {
		again, err := m.Compute(k.ctx, cfg, inputs)
		if err != nil {
			return err
		}
		for name, v := range values {
			if again[name] != v {
				return fmt.Errorf("output %q: %v then %v", name, v, again[name])
			}
		}
		return nil
	})
	k.unknownKey(func() error {
		_, err := m.Compute(k.ctx, withUnknownKey(cfg), inputs)
		return wantInvalidArgument(err)
	})
}

func (k *checker) model(c core.Component, d *core.Descriptor, cfg core.Config) {
	m, ok := c.(core.Model)
	if !k.check("implements core.Model", func() error { return implements(ok, "core.Model") }) {
		return
	}
	k.unknownKey(func() error {
		return wantInvalidArgument(m.Init(k.ctx, withUnknownKey(cfg), 1))
	})
	if !k.check("init", func() error { return m.Init(k.ctx, cfg, 1) }) {
		return
	}
	shape := k.opts.InputShape
	if d.Has(core.CapGenerate) {
		k.check("generate returns N finite samples", func() error {
			g, ok := m.(core.Generator)
			if !ok {
				return errors.New("declares generate but does not implement core.Generator")
			}
			b, err := g.Generate(k.ctx, core.GenerateRequest{N: 4, Seed: 5})
			if err != nil {
				return err
			}
			if b.N() != 4 {
				return fmt.Errorf("got %d samples, want 4", b.N())
			}
			if shape == [3]int{} {
				shape = [3]int(b.Shape[1:])
			}
			return finite(b)
		})
	}

	in := k.modelInput(m, d, shape)
	if in == nil {
		return
	}
	if d.Has(core.CapScore) {
		k.check("score returns N×1×1×1", func() error {
			out, err := m.(core.Scorer).Score(k.ctx, in)
			if err != nil {
				return err
			}
			if out.Shape != [4]int{in.N(), 1, 1, 1} {
				return fmt.Errorf("score shape %v, want [%d 1 1 1]", out.Shape, in.N())
			}
			return finite(out)
		})
	}
	if d.Has(core.CapClassify) {
		k.check("classify returns N×K×1×1 logits", func() error {
			c, ok := m.(core.Classifier)
			if !ok {
				return errors.New("declares classify but does not implement core.Classifier")
			}
			out, err := c.Classify(k.ctx, in)
			if err != nil {
				return err
			}
			if out.N() != in.N() || out.Shape[1] < 2 || out.Shape[2] != 1 || out.Shape[3] != 1 {
				return fmt.Errorf("logits shape %v, want [%d K 1 1] with K ≥ 2", out.Shape, in.N())
			}
			return finite(out)
		})
	}
	if d.Has(core.CapTrain) {
		k.check("a training step returns finite values", func() error {
			phase := core.PhaseTrain
			if d.Has(core.CapGenerate) && d.Has(core.CapScore) {
				phase = core.PhaseD
			}
			req := core.StepRequest{Phase: phase, Step: 0, Lambda: 1, Real: in}
			if phase == core.PhaseTrain {
				// Classifiers read Real, contrastive encoders read Views.
				req.Views = []*core.Batch{in, in.Clone()}
			}
			res, err := m.Step(k.ctx, req)
			if err != nil {
				return err
			}
			for name, v := range res {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s is %v", name, v)
				}
			}
			return nil
		})
	}
	k.check("save, load, save gives the same checkpoint", func() error {
		first, err := m.Save(k.ctx)
		if err != nil {
			return err
		}
		if err := m.Load(k.ctx, first); err != nil {
			return err
		}
		second, err := m.Save(k.ctx)
		if err != nil {
			return err
		}
		if !bytes.Equal(first, second) {
			return errors.New("the checkpoint changed across a load")
		}
		return nil
	})
	k.check("a corrupted checkpoint is refused", func() error {
		if err := m.Load(k.ctx, []byte("not a checkpoint")); err == nil {
			return errors.New("load accepted garbage")
		}
		return nil
	})
}

// modelInput finds a batch shape the model accepts: the configured one, the
// shape of its own samples, or the first common shape Embed or Score takes.
func (k *checker) modelInput(m core.Model, d *core.Descriptor, shape [3]int) *core.Batch {
	if shape != [3]int{} {
		return synthetic(2, k.opts.BatchSize, shape, 2)
	}
	probe := func(b *core.Batch) error {
		if e, ok := m.(core.Embedder); ok && d.Has(core.CapEmbed) {
			_, err := e.Embed(k.ctx, b)
			return err
		}
		if s, ok := m.(core.Scorer); ok && d.Has(core.CapScore) {
			_, err := s.Score(k.ctx, b)
			return err
		}
		return errors.New("neither embeds nor scores")
	}
	var found *core.Batch
	k.check("accepts one of the common input shapes", func() error {
		var errs []error
		for _, s := range commonShapes {
			b := synthetic(2, k.opts.BatchSize, s, 2)
			err := probe(b)
			if err == nil {
				found = b
				return nil
			}
			errs = append(errs, fmt.Errorf("%v: %w", s, err))
		}
		return fmt.Errorf(
			"set Options.InputShape (ndalab plugins check --input): %w",
			errors.Join(errs...),
		)
	})
	return found
}

func implements(ok bool, iface string) error {
	if !ok {
		return fmt.Errorf("does not implement %s", iface)
	}
	return nil
}

func equalInt32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unknownKey runs an unknown-parameter check unless the component is
// called in-process, where nothing is required to resolve configs.
func (k *checker) unknownKey(f func() error) {
	if !k.opts.InProcess {
		k.check("an unknown parameter is refused", f)
	}
}
