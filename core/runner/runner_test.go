package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/runner"
	"github.com/ndalab/ndalab/experiments"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
	"github.com/ndalab/ndalab/plugins/metric/auroc"
	"github.com/ndalab/ndalab/results"
)

// env is one test's runner, store and experiment file.
type env struct {
	t     *testing.T
	dir   string
	store *results.Store
	h     *hooks
	l     *launcher
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := results.Open(context.Background(), filepath.Join(dir, "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &hooks{}
	l := newLauncher(h)
	l.extra["metric/auroc"] = func() core.Component { return auroc.New() }
	return &env{t: t, dir: dir, store: st, h: h, l: l}
}

func (e *env) runner(workers int, failFast bool) *runner.Runner {
	e.t.Helper()
	r, err := runner.New(runner.Options{Launcher: e.l, Store: e.store, Out: filepath.Join(e.dir,
		"out"),
		Workers: workers, FailFast: failFast})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// load writes yaml to a file and expands it with the runner's descriptors.
func (e *env) load(r *runner.Runner, yaml string, set ...string) *experiments.Experiment {
	e.t.Helper()
	p := filepath.Join(e.dir, "exp.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		e.t.Fatal(err)
	}
	x, err := experiments.Load(context.Background(), p,
		experiments.Options{Set: set, Describe: r.Catalog().Describe})
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

const ganYAML = `
name: toy
task: gan
dataset: {name: toy}
model: {name: toy-gan}
augmentation: {name: toy-flip}
metrics: [mean-dist]
train: {steps: 40, batch_size: 32, d_steps: 2, log_every: 5}
eval: {every: 10, samples: 256, grid: 64}
`

func TestGANEndToEnd(t *testing.T) {
	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, ganYAML, "matrix.augmentation.name=[none, toy-flip]")
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, o := range out {
		if o.Status != results.StatusFinished || o.Step != 40 {
			t.Fatalf("cell %d: %s at %d (%v), want finished at 40", i, o.Status, o.Step, o.Err)
		}
		run, err := e.store.GetRun(ctx, o.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != results.StatusFinished || run.Step != 40 || run.CellID != x.Cells[i].ID {
			t.Errorf("stored run %+v", run)
		}
		pts, err := e.store.Series(ctx, o.RunID, "g/loss")
		if err != nil || len(pts) != 8 {
			t.Errorf("g/loss: %d points (%v), want 8 (every 5 of 40 steps)", len(pts), err)
		}
		ms, err := e.store.Metrics(ctx, o.RunID)
		if err != nil {
			t.Fatal(err)
		}
		var steps []int64
		for _, m := range ms {
			if m.Name == "dist" {
				steps = append(steps, m.Step)
			}
		}
		if !slices.Equal(steps, []int64{10, 20, 30, 40}) {
			t.Errorf("dist measured at %v, want [10 20 30 40]", steps)
		}
		dir := filepath.Join(e.dir, "out", "toy", x.Cells[i].ID)
		for _, f := range []string{"last.ckpt", "best.ckpt", "samples-00000010.png",
			"samples-final.png",
			"losses.png", "metrics.png", "record.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("artifact: %v", err)
			}
		}
		var rec runner.Record
		b, _ := os.ReadFile(filepath.Join(dir, "record.json"))
		if err := json.Unmarshal(b, &rec); err != nil || rec.Version != core.Version ||
			rec.Seed != x.Cells[i].Seed || len(rec.Plugins) < 3 || rec.Ended.IsZero() {
			t.Errorf("record %+v (%v)", rec, err)
		}
		h, _, err := runner.ReadCheckpoint(filepath.Join(dir, "last.ckpt"))
		if err != nil || h.Step != 40 {
			t.Errorf("last checkpoint at %d (%v), want 40", h.Step, err)
		}
	}

	// The second run of the same file does nothing.
	before := e.h.inits.Load()
	again, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range again {
		if o.Status != runner.StatusSkipped {
			t.Errorf("rerun: cell %s %s, want skipped", o.Cell.ID, o.Status)
		}
	}
	if e.h.inits.Load() != before {
		t.Errorf("rerun initialised %d models", e.h.inits.Load()-before)
	}
	if e.h.started.Load() != e.h.closed.Load() {
		t.Errorf("started %d components, closed %d", e.h.started.Load(), e.h.closed.Load())
	}
}

// finalState runs a cell to the end and returns its last checkpoint's model bytes.
func finalState(t *testing.T, e *env, x *experiments.Experiment) []byte {
	t.Helper()
	_, body, err := runner.ReadCheckpoint(filepath.Join(e.dir, "out", x.Name, x.Cells[0].ID,
		"last.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestInterruptResume(t *testing.T) {
	// Reference: the same cell, uninterrupted.
	ref := newEnv(t)
	rr := ref.runner(1, false)
	rx := ref.load(rr, ganYAML)
	if _, err := rr.Run(context.Background(), rx.Cells); err != nil {
		t.Fatal(err)
	}
	want := finalState(t, ref, rx)

	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, ganYAML)
	ctx, cancel := context.WithCancel(context.Background())
	e.h.onStep = func(p core.Phase, step int64) {
		if p == core.PhaseG && step == 23 {
			cancel()
		}
	}
	out, err := r.Run(ctx, x.Cells)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: error %v, want context canceled", err)
	}
	// The step under way when ctx was cancelled runs to its end.
	if out[0].Status != results.StatusInterrupted || out[0].Step != 24 {
		t.Fatalf("interrupted at %d with %s, want interrupted at 24", out[0].Step, out[0].Status)
	}
	run, _ := e.store.GetRun(context.Background(), out[0].RunID)
	if run.Status != results.StatusInterrupted {
		t.Fatalf("stored status %s", run.Status)
	}

	// Resume: same run, from the checkpoint at step 24, to the same end.
	e.h.onStep = nil
	e.h.dSteps = nil
	loads := e.h.loads.Load()
	out, err = r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Status != results.StatusFinished || out[0].RunID != run.ID {
		t.Fatalf("resume: %s run %s, want finished run %s", out[0].Status, out[0].RunID, run.ID)
	}
	if e.h.loads.Load() != loads+1 {
		t.Errorf("resume loaded %d checkpoints, want 1", e.h.loads.Load()-loads)
	}
	if first := e.h.dSteps[0]; first != 24*2 {
		t.Errorf("resumed D steps start at batch %d, want %d", first, 24*2)
	}
	if got := finalState(t, e, x); !bytes.Equal(got, want) {
		t.Errorf("resumed final state\n%s\nwant (uninterrupted)\n%s", got, want)
	}
	pts, err := e.store.Series(context.Background(), run.ID, "d/loss")
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, p := range pts {
		steps = append(steps, p.Step)
	}
	if !slices.Equal(steps, []int64{5, 10, 15, 20, 25, 30, 35, 40}) {
		t.Errorf("series steps %v, want each of 5..40 once", steps)
	}
	runs, _ := e.store.Runs(context.Background(), results.RunFilter{})
	if len(runs) != 1 {
		t.Errorf("%d runs stored, want 1", len(runs))
	}
}

func TestFailureAndDivergence(t *testing.T) {
	e := newEnv(t)
	r := e.runner(2, false)
	x := e.load(r, ganYAML, `matrix.model=[{name: toy-gan}, {name: toy-gan, params: {fail_at: 7}},
		{name: toy-gan, params: {nan_at: 12}}]`)
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status string
		step   int64
		msg    string
	}{
		{results.StatusFinished, 40, ""},
		{results.StatusFailed, 6, "injected failure at step 7"},
		{results.StatusDiverged, 11, "loss g/loss is NaN at step 12"},
	}
	for i, w := range want {
		run, err := e.store.GetRun(context.Background(), out[i].RunID)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != w.status || run.Step != w.step || !strings.Contains(run.Error, w.msg) {
			t.Errorf("cell %d: %s at %d %q, want %s at %d %q", i, run.Status, run.Step, run.Error,
				w.status, w.step, w.msg)
		}
	}
}

func TestFailFast(t *testing.T) {
	e := newEnv(t)
	r := e.runner(1, true)
	x := e.load(r, ganYAML, `matrix.model=[{name: toy-gan, params: {fail_at: 3}}, {name: toy-gan}]`)
	out, err := r.Run(context.Background(), x.Cells)
	if err == nil || !strings.Contains(err.Error(), "fail-fast") {
		t.Fatalf("error %v, want a fail-fast error", err)
	}
	if out[0].Status != results.StatusFailed || out[1].Status != "" {
		t.Errorf("statuses %q %q, want failed and not started", out[0].Status, out[1].Status)
	}
}

func TestAnomaly(t *testing.T) {
	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, `
task: anomaly
dataset: {name: toy}
model: {name: toy-gan}
train: {steps: 30, batch_size: 32}
anomaly:
  samples: 128
  ood:
    - {name: mirrored, augmentation: {name: toy-flip}}
    - {dataset: {name: toy}}
`)
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil || out[0].Status != results.StatusFinished {
		t.Fatalf("%v %+v", err, out)
	}
	ms, err := e.store.Metrics(context.Background(), out[0].RunID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Name] = m.Value
	}
	// The discriminator tells the data from its mirror image, and cannot
	// tell the data from itself.
	if got["auroc/mirrored"] < 0.9 || got["auroc/toy"] != 0.5 {
		t.Errorf("auroc mirrored %v toy %v, want > 0.9 and 0.5", got["auroc/mirrored"],
			got["auroc/toy"])
	}
	if m := (got["auroc/mirrored"] + got["auroc/toy"]) / 2; got["auroc_mean"] != m {
		t.Errorf("auroc_mean %v, want %v", got["auroc_mean"], m)
	}

	// Loading the trained GAN instead of training scores the same.
	ckpt := filepath.Join(e.dir, "out", x.Name, x.Cells[0].ID, "last.ckpt")
	steps := len(e.h.dSteps)
	y := e.load(r, `
name: loaded
task: anomaly
dataset: {name: toy}
model: {name: toy-gan}
train: {steps: 30, batch_size: 32}
anomaly:
  samples: 128
  load: `+ckpt+`
  ood: [{name: mirrored, augmentation: {name: toy-flip}}]
`)
	out, err = r.Run(context.Background(), y.Cells)
	if err != nil || out[0].Status != results.StatusFinished {
		t.Fatalf("loaded: %v %+v", err, out)
	}
	if len(e.h.dSteps) != steps {
		t.Errorf("loaded GAN trained %d D steps, want none", len(e.h.dSteps)-steps)
	}
	ms, _ = e.store.Metrics(context.Background(), out[0].RunID)
	found := false
	for _, m := range ms {
		if m.Name == "auroc/mirrored" {
			found = true
			if m.Value != got["auroc/mirrored"] {
				t.Errorf("loaded GAN auroc %v, trained one %v", m.Value, got["auroc/mirrored"])
			}
		}
	}
	if !found {
		t.Errorf("loaded GAN recorded no auroc/mirrored: %+v", ms)
	}
}

func TestCheckBeforeTraining(t *testing.T) {
	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, ganYAML, "metrics=[auroc]")
	_, err := r.Run(context.Background(), x.Cells)
	if err == nil || !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(),
		"scores_in") {
		t.Fatalf("error %v, want a metric-input error", err)
	}
	if e.h.inits.Load() != 0 {
		t.Errorf("%d models initialised before the check failed", e.h.inits.Load())
	}
}

// TestToy2DBuiltins runs the toy 2-D GAN end to end on the real data set,
// negative, model and metric, in process, into SQLite.
func TestToy2DBuiltins(t *testing.T) {
	e := newEnv(t)
	model := "mlp-gan"
	r, err := runner.New(runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
		Out: filepath.Join(e.dir, "out"), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ring := "{layout: ring, modes: 8, radius: 0.8, std: 0.02}"
	x := e.load(r, fmt.Sprintf(`
name: toy2d
task: gan
dataset:
  name: toy2d
  params: {layout: ring, modes: 8, radius: 0.8, std: 0.02, train_size: 2000, test_size: 500}
model: {name: %s}
train: {steps: 60, batch_size: 64}
eval: {every: 30, samples: 500, grid: 200}
metrics: [{name: nda-region, params: %s}]
matrix:
  augmentation: [{name: none}, {name: toy2d-forbidden, params: %s}]
`, model, ring, ring))
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Status != results.StatusFinished {
			t.Fatalf("cell %s: %s (%v)", o.Cell.ID, o.Status, o.Err)
		}
		ms, err := e.store.Metrics(context.Background(), o.RunID)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]int{}
		for _, m := range ms {
			names[m.Name]++
		}
		for _, n := range []string{"forbidden_rate", "modes_covered", "high_quality_rate"} {
			if names[n] != 2 {
				t.Errorf("cell %s: metric %s recorded %d times, want 2 (steps 30, 60)", o.Cell.ID,
					n, names[n])
			}
		}
		if _, err := os.Stat(filepath.Join(e.dir, "out", "toy2d", o.Cell.ID,
			"samples-final.png")); err != nil {
			t.Error(err)
		}
	}
}

func TestContrastive(t *testing.T) {
	e := newEnv(t)
	r, err := runner.New(runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
		Out: filepath.Join(e.dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	x := e.load(r, `
task: contrastive
dataset: {name: toy}
model: {name: toy-encoder}
views: {name: none}
augmentation: {name: toy-flip}
train: {steps: 20, batch_size: 32}
eval: {samples: 200, probe_samples: 300}
metrics: [linear-probe, knn]
`)
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil || out[0].Status != results.StatusFinished {
		t.Fatalf("%v %+v", err, out)
	}
	if len(e.h.encoderSteps) != 20 || e.h.encoderSteps[0] != "views=2 negatives=true labels=true" {
		t.Errorf("encoder steps %d, first %q", len(e.h.encoderSteps), e.h.encoderSteps[0])
	}
	ms, _ := e.store.Metrics(context.Background(), out[0].RunID)
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Name] = m.Value
	}
	// Labels are x > 1, and the first feature is a multiple of x: both
	// probes read them off well above chance.
	for _, n := range []string{"linear-probe/top1", "knn/top1"} {
		if v, ok := got[n]; !ok || v < 0.8 {
			t.Errorf("%s = %v (recorded %v), want > 0.8", n, v, ok)
		}
	}
}

func TestFeaturesFrom(t *testing.T) {
	e := newEnv(t)
	r, err := runner.New(runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
		Out: filepath.Join(e.dir, "out"), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	cls := filepath.Join(e.dir, "cls.yaml")
	os.WriteFile(cls, []byte(`
name: cls
task: classifier
dataset: {name: toy}
model: {name: toy-encoder}
train: {steps: 10, batch_size: 32}
`), 0o644)
	x := e.load(r, `
name: fromcls
task: gan
dataset: {name: toy}
model: {name: toy-gan}
features: {from: cls.yaml}
train: {steps: 10, batch_size: 32}
eval: {samples: 200}
metrics: [fid]
seeds: [1, 2]
`)
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Status != results.StatusFinished {
			t.Fatalf("cell %s: %s %v", o.Cell.ID, o.Status, o.Err)
		}
		ms, _ := e.store.Metrics(context.Background(), o.RunID)
		if len(ms) != 1 || ms[0].Name != "fid" || !(ms[0].Value > 0) {
			t.Errorf("metrics %+v, want one positive fid", ms)
		}
	}
	// The classifier ran once (10 steps), for both GAN cells, and its
	// checkpoint was loaded once per GAN cell.
	runs, _ := e.store.Runs(context.Background(), results.RunFilter{Experiment: "cls"})
	if len(runs) != 1 || runs[0].Status != results.StatusFinished || len(e.h.encoderSteps) != 10 {
		t.Errorf("classifier runs %d, encoder steps %d; want 1 run of 10 steps", len(runs),
			len(e.h.encoderSteps))
	}
	if e.h.loads.Load() != 2 {
		t.Errorf("feature checkpoint loaded %d times, want 2", e.h.loads.Load())
	}
}

func TestRerunOnNewPluginVersion(t *testing.T) {
	e := newEnv(t)
	x := e.load(e.runner(1, false), ganYAML)
	first, err := e.runner(1, false).Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	e.h.ganVersion = "1.1.0"
	again, err := e.runner(1, false).Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Status != results.StatusFinished || again[0].RunID == first[0].RunID {
		t.Errorf("after a model version change: %s run %s, want a new finished run (was %s)",
			again[0].Status, again[0].RunID, first[0].RunID)
	}
}

func TestRerunWhenDataChanges(t *testing.T) {
	e := newEnv(t)
	x := e.load(e.runner(1, false), ganYAML)
	first, err := e.runner(1, false).Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	same, err := e.runner(1, false).Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if same[0].Status != runner.StatusSkipped {
		t.Fatalf("unchanged data: %s, want skipped", same[0].Status)
	}
	e.h.dataChecksum = "toy-v2"
	again, err := e.runner(1, false).Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Status != results.StatusFinished || again[0].RunID == first[0].RunID {
		t.Errorf("after the data changed: %s run %s, want a new finished run (was %s)",
			again[0].Status, again[0].RunID, first[0].RunID)
	}
}

// cancelAt cancels a context when a run reports the given step.
type cancelAt struct {
	step   int64
	cancel context.CancelFunc
}

func (c cancelAt) Report(e runner.Event) {
	if e.Kind == "step" && e.Step == c.step {
		c.cancel()
	}
}

// TestResumeExactBuiltin interrupts the real mlp-gan on the real toy2d
// data and resumes it: the final checkpoint must equal an uninterrupted
// run's byte for byte (weights, Adam moments, EMA, data cursor).
func TestResumeExactBuiltin(t *testing.T) {
	const yaml = `
name: exact
task: gan
dataset: {name: toy2d, params: {train_size: 1000, test_size: 200}}
model: {name: mlp-gan, params: {hidden: 32, layers: 2, ema_decay: 0.9}}
augmentation: {name: toy2d-forbidden}
train: {steps: 30, batch_size: 32, d_steps: 2, checkpoint_every: 10}
eval: {samples: 200}
`
	final := func(cancelStep int64) []byte {
		e := newEnv(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		opts := runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
			Out: filepath.Join(e.dir, "out")}
		if cancelStep > 0 {
			opts.Progress = cancelAt{cancelStep, cancel}
		}
		r, err := runner.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		x := e.load(r, yaml)
		out, _ := r.Run(ctx, x.Cells)
		if cancelStep > 0 {
			if out[0].Status != results.StatusInterrupted || out[0].Step != cancelStep {
				t.Fatalf("first run: %s at %d, want interrupted at %d", out[0].Status, out[0].Step,
					cancelStep)
			}
			opts.Progress = nil
			if r, err = runner.New(opts); err != nil {
				t.Fatal(err)
			}
			if out, err = r.Run(context.Background(), x.Cells); err != nil {
				t.Fatal(err)
			}
		}
		if out[0].Status != results.StatusFinished {
			t.Fatalf("%s (%v)", out[0].Status, out[0].Err)
		}
		return finalState(t, e, x)
	}
	want := final(0)
	if got := final(17); !bytes.Equal(got, want) {
		t.Errorf("resumed mlp-gan state (%d bytes) differs from the uninterrupted one (%d bytes)",
			len(got), len(want))
	}
}

// A classifier cell records its own head's accuracy on the test split
// besides the linear probe's, on real MNIST through the real built-ins.
func TestClassifierRecordsTestAccuracy(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	if _, err := datadir.Fetch(context.Background(), data, "mnist"); err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
		Out: filepath.Join(e.dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	x := e.load(r, fmt.Sprintf(`
name: clf
task: classifier
dataset: {name: mnist, params: {data_dir: %q, subset: 2000}}
model: {name: classifier, params: {width: 8, feat_dim: 32}}
train: {steps: 60, batch_size: 64}
eval: {samples: 500, probe_samples: 500}
metrics: [linear-probe]
`, data))
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Status != results.StatusFinished {
		t.Fatalf("cell: %s (%v)", out[0].Status, out[0].Err)
	}
	ms, err := e.store.Metrics(context.Background(), out[0].RunID)
	if err != nil {
		t.Fatal(err)
	}
	var acc []float64
	for _, m := range ms {
		if m.Name == "test_accuracy" {
			acc = append(acc, m.Value)
		}
	}
	t.Logf("test_accuracy at each eval: %v", acc)
	// 60 steps on MNIST reach well above chance (0.1); a broken arg-max or
	// label pairing stays near it.
	if len(acc) == 0 || acc[len(acc)-1] < 0.6 || acc[len(acc)-1] > 1 {
		t.Fatalf("test_accuracy %v, want one final value in [0.6, 1]", acc)
	}
}

// The keys that tables leave out when they compare run configs must be
// keys of the config that cells carry, or a renamed key would slip back in.
func TestBookkeepingKeysInConfig(t *testing.T) {
	e := newEnv(t)
	x := e.load(e.runner(1, false), ganYAML)
	var cfg map[string]any
	if err := json.Unmarshal(x.Cells[0].Config, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, k := range results.BookkeepingKeys() {
		var v any = cfg
		for part := range strings.SplitSeq(k, ".") {
			m, _ := v.(map[string]any)
			v = m[part]
		}
		if v == nil {
			t.Errorf("bookkeeping key %s is not in a cell's config %s", k, x.Cells[0].Config)
		}
	}
}
