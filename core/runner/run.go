package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// saveTimeout bounds the checkpoint written after an interrupt, when the
// run's own context is already cancelled.
const saveTimeout = time.Minute

// run is one attempt at a cell, from start (or resume) to its end status.
type run struct {
	r   *Runner
	c   *Cell
	id  string
	dir string
	res *resolved

	pool    *pool // the worker's stateless components
	ds      *started
	metrics []*started
	model   *started
	feat    *started // feature network, or nil
	featSum string   // sha256 of the feature network's loaded weights, or ""
	feed    *feed
	info    core.DatasetInfo // train split

	step    int64 // completed steps
	dirty   bool  // a step started and did not complete: the model is mid-step
	saved   int64 // step of the last checkpoint written
	evalled int64 // step of the last evaluation, -1 before any
	start   time.Time
	from    int64 // step this attempt started at
	pending []results.Point
	losses  map[string]float64

	primary  string
	higher   bool
	best     float64
	hasBest  bool
	realFeat *core.Batch // cached real features for FID-like metrics
	record   Record
	lease    *lease // this runner's hold on the run
}

// divergedError ends a run as diverged.
type divergedError struct{ msg string }

func (e *divergedError) Error() string { return e.msg }

// newRun starts a cell's components, creates or resumes its run record and
// brings the model to the step to continue from. A resumable prev is
// leased by l already; a new run is created with l's lease, which fails
// with a *results.LeaseError if another process holds the cell.
func (r *Runner) newRun(ctx context.Context, p *pool, c *Cell, prev *results.Run,
	l *lease) (*run, error) {
	res, err := r.resolveCell(ctx, c)
	if err != nil {
		return nil, err
	}
	u := &run{r: r, c: c, res: res, pool: p, dir: r.cellDir(c), evalled: -1,
		losses: map[string]float64{}, lease: l}
	fail := func(err error) (*run, error) {
		u.close()
		return nil, fmt.Errorf("cell %s: %w", c.ID, err)
	}

	// Stateless components come from the worker's pool; models are fresh.
	if u.ds, err = p.get(ctx, core.KindDataset, c.Dataset.Name); err != nil {
		return fail(err)
	}
	for _, m := range c.Metrics {
		s, err := p.get(ctx, core.KindMetric, m.Name)
		if err != nil {
			return fail(err)
		}
		u.metrics = append(u.metrics, s)
	}
	if u.model, err = start(ctx, r.opt.Launcher, core.KindModel, c.Model.Name); err != nil {
		return fail(err)
	}
	if err := u.initModel(ctx, p); err != nil {
		return fail(err)
	}
	if err := u.initFeatures(ctx); err != nil {
		return fail(err)
	}
	u.choosePrimary()

	// Resume an interrupted attempt from its last checkpoint, if any. A
	// run still marked running is here only once its process's lease
	// lapsed: that process died.
	u.id = nextRunID(c.ID, prev)
	if resumable(prev) {
		h, body, err := ReadCheckpoint(filepath.Join(u.dir, "last.ckpt"))
		switch {
		case err == nil && h.Cell == c.ID && h.RunID == prev.ID:
			if err := u.modelOf().Load(ctx, body); err != nil {
				return fail(fmt.Errorf("resume from %s: %w", filepath.Join(u.dir, "last.ckpt"),
					err))
			}
			u.id, u.step = prev.ID, h.Step
		case err != nil && !errors.Is(err, core.ErrNotFound):
			return fail(err)
		}
	}
	u.from, u.saved, u.start = u.step, u.step, time.Now()
	u.record = r.newRecord(c, u.allStarted(p), u.start)
	u.record.DataChecksum = u.info.Checksum
	if u.featSum != "" {
		u.record.FeatureCheckpoint, u.record.FeatureSHA256 = c.Features.Checkpoint, u.featSum
	}

	if u.id == prevID(prev) {
		if err := r.opt.Store.UpdateRun(ctx, u.id, results.StatusRunning, u.step, ""); err != nil {
			return fail(err)
		}
	} else {
		run := &results.Run{ID: u.id, Experiment: c.Experiment, CellID: c.ID, Params: c.Varying,
			Config: c.Config, Seed: c.Seed, Status: results.StatusRunning, Started: u.start,
			Record: u.record.JSON(), Lease: l.forNew()}
		if err := r.opt.Store.CreateRun(ctx, run); err != nil {
			return fail(err)
		}
		if prev != nil && prev.Status == results.StatusRunning {
			// Leased here, so its process is gone, with nothing to resume.
			msg := fmt.Sprintf("abandoned: its process stopped before a checkpoint of this "+
				"run; continued as run %s", u.id)
			if err := r.opt.Store.UpdateRun(ctx, prev.ID, results.StatusFailed, prev.Step,
				msg); err != nil {
				r.opt.Log.Warn("mark abandoned run", "run", prev.ID, "err", err)
			}
		}
		l.hold(ctx, u.id)
	}
	return u, nil
}

func prevID(prev *results.Run) string {
	if prev == nil {
		return ""
	}
	return prev.ID
}

// nextRunID numbers attempts: "<cell>-1", "<cell>-2", ...
func nextRunID(cell string, prev *results.Run) string {
	n := 1
	if prev != nil {
		if i := strings.LastIndexByte(prev.ID, '-'); i >= 0 {
			if k, err := strconv.Atoi(prev.ID[i+1:]); err == nil {
				n = k + 1
			}
		}
	}
	return fmt.Sprintf("%s-%d", cell, n)
}

func (u *run) modelOf() core.Model { return u.model.comp.(core.Model) }

// initModel initialises the model and the training feed.
func (u *run) initModel(ctx context.Context, p *pool) error {
	c := u.c
	m, ok := u.model.comp.(core.Model)
	if !ok {
		return fmt.Errorf("%w: %s is not a model", core.ErrFailedPrecondition, u.model.desc.ID())
	}
	if err := m.Init(ctx, u.res.cfgs[&c.Model], c.Seed); err != nil {
		return fmt.Errorf("init %s: %w", u.model.desc.ID(), err)
	}
	if c.Task == TaskAnomaly && c.Anomaly.Load != "" {
		_, body, err := ReadCheckpoint(c.Anomaly.Load)
		if err != nil {
			return fmt.Errorf("anomaly.load: %w", err)
		}
		if err := m.Load(ctx, body); err != nil {
			return fmt.Errorf("anomaly.load %s: %w", c.Anomaly.Load, err)
		}
	}

	ds := u.ds.comp.(core.Dataset)
	dsCfg := u.res.cfgs[&c.Dataset]
	info, err := ds.Info(ctx, dsCfg, core.SplitTrain)
	if err != nil {
		return fmt.Errorf("dataset %s: %w", c.Dataset.Name, err)
	}
	if info.Size < c.Train.BatchSize {
		return fmt.Errorf("%w: dataset %s has %d training samples, fewer than batch_size %d",
			core.ErrInvalidArgument, c.Dataset.Name, info.Size, c.Train.BatchSize)
	}
	u.info = info
	u.feed = &feed{
		ds: ds, dsCfg: dsCfg, bs: c.Train.BatchSize, seed: c.Seed, perStep: 1,
		perEpoch: int64(info.Size / c.Train.BatchSize),
		labels:   c.Task != TaskGAN && c.Task != TaskAnomaly || c.Train.Conditional,
	}
	if c.Task == TaskGAN || c.Task == TaskAnomaly {
		u.feed.perStep = c.Train.DSteps
	}
	if c.Augmentation.Set() {
		s, err := p.get(ctx, core.KindAugmentation, c.Augmentation.Name)
		if err != nil {
			return err
		}
		u.feed.neg, u.feed.negCfg = s.comp.(core.Augmentation), u.res.cfgs[&c.Augmentation]
	}
	if c.Views.Name != "" {
		s, err := p.get(ctx, core.KindAugmentation, c.Views.Name)
		if err != nil {
			return err
		}
		u.feed.view, u.feed.viewCf = s.comp.(core.Augmentation), u.res.cfgs[&c.Views]
	}
	return nil
}

// initFeatures starts the feature network and loads its checkpoint.
func (u *run) initFeatures(ctx context.Context) error {
	c := u.c
	if !c.Features.Model.Set() {
		return nil
	}
	s, err := start(ctx, u.r.opt.Launcher, core.KindModel, c.Features.Model.Name)
	if err != nil {
		return err
	}
	u.feat = s
	m, ok := s.comp.(core.Model)
	if !ok {
		return fmt.Errorf("%w: features.model %s is not a model", core.ErrFailedPrecondition,
			s.desc.ID())
	}
	if err := m.Init(ctx, u.res.cfgs[&c.Features.Model], 0); err != nil {
		return fmt.Errorf("init features.model %s: %w", s.desc.ID(), err)
	}
	if c.Features.Checkpoint != "" {
		_, body, err := ReadCheckpoint(c.Features.Checkpoint)
		if err != nil {
			return fmt.Errorf("features.checkpoint: %w", err)
		}
		if err := m.Load(ctx, body); err != nil {
			return fmt.Errorf("features.checkpoint %s: %w", c.Features.Checkpoint, err)
		}
		u.featSum = weightsSum(body)
	}
	if _, ok := s.comp.(core.Embedder); !ok {
		return fmt.Errorf("%w: features.model %s cannot embed", core.ErrUnimplemented, s.desc.ID())
	}
	return nil
}

// choosePrimary picks the metric value that selects the best checkpoint:
// eval.primary (checked to exist before the run), else the first metric's.
func (u *run) choosePrimary() {
	names, higher := primaries(u.c.Task, u.metricDescs())
	for i, n := range names {
		if u.c.Eval.Primary == "" || u.c.Eval.Primary == n {
			u.primary, u.higher = n, higher[i]
			return
		}
	}
}

// allStarted lists the components of this run for the record.
func (u *run) allStarted(p *pool) []*started {
	out := []*started{u.ds, u.model}
	if u.feat != nil {
		out = append(out, u.feat)
	}
	out = append(out, u.metrics...)
	p.mu.Lock()
	for _, s := range p.live {
		if s.desc.Kind == core.KindAugmentation {
			out = append(out, s)
		}
	}
	p.mu.Unlock()
	return out
}

// close ends the run's own processes (not the pooled ones).
func (u *run) close() {
	for _, s := range []*started{u.model, u.feat} {
		if s != nil {
			s.closer.Close()
		}
	}
}

// execute trains and evaluates, then records how the run ended.
func (u *run) execute(ctx context.Context) (string, int64, error) {
	c := u.c
	msg := strings.TrimSpace(fmt.Sprintf("%s %s", c.Task, FormatParams(c.Varying)))
	if u.from > 0 {
		msg = fmt.Sprintf("resuming at step %d: %s", u.from, msg)
	}
	u.r.opt.Progress.Report(Event{Time: time.Now(), Kind: "start", Cell: c.ID, Run: u.id,
		Step: u.step, Steps: c.Train.Steps, Msg: msg})

	err := u.body(ctx)
	bg := context.WithoutCancel(ctx)
	if lost := u.lease.lostErr(); lost != nil {
		return u.abandon(lost)
	}
	status, errMsg := results.StatusFinished, ""
	var div *divergedError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		status, err = results.StatusInterrupted, nil
		u.flush(bg)
		if u.dirty {
			// Mid-step state is no place to resume from: keep the last
			// checkpoint and say so in the step.
			u.step = u.saved
		} else {
			sctx, cancel := context.WithTimeout(bg, saveTimeout)
			if serr := u.checkpoint(sctx); serr != nil {
				u.r.opt.Log.Warn("checkpoint after interrupt", "cell", c.ID, "err", serr)
				u.step = u.saved
			}
			cancel()
		}
	case errors.As(err, &div):
		status, errMsg, err = results.StatusDiverged, div.msg, nil
	default:
		status, errMsg = results.StatusFailed, err.Error()
	}
	if lost := u.lease.lostErr(); lost != nil {
		return u.abandon(lost)
	}
	u.flush(bg)
	if status != results.StatusInterrupted {
		u.finishArtifacts(bg)
	}

	// The final status ends the lease; renew it once more first, so that a
	// run taken over meanwhile is left to its new process.
	u.lease.stopBeat()
	if u.lease.confirm() != nil {
		if lost := u.lease.lostErr(); lost != nil {
			return u.abandon(lost)
		}
	}
	if uerr := u.r.opt.Store.UpdateRun(bg, u.id, status, u.step, errMsg); uerr != nil &&
		err == nil {
		err = uerr
	}
	u.r.opt.Progress.Report(Event{Time: time.Now(), Kind: "end", Cell: c.ID, Run: u.id,
		Step: u.step, Steps: c.Train.Steps, Status: status, Msg: errMsg, Best: u.bestMap()})
	return status, u.step, err
}

// abandon ends a run whose lease another process took over (this one
// stalled past the expiry): the run is that process's now, so nothing more
// of it is written here.
func (u *run) abandon(lost error) (string, int64, error) {
	u.r.opt.Progress.Report(Event{Time: time.Now(), Kind: "end", Cell: u.c.ID, Run: u.id,
		Step: u.step, Steps: u.c.Train.Steps, Status: StatusHeld, Msg: lost.Error()})
	return StatusHeld, u.step, fmt.Errorf("cell %s: %w", u.c.ID, lost)
}

// body is the task: train (unless an anomaly cell loads its GAN), then the
// final evaluation and checkpoint.
func (u *run) body(ctx context.Context) error {
	if !(u.c.Task == TaskAnomaly && u.c.Anomaly.Load != "") {
		if err := u.train(ctx); err != nil {
			return err
		}
	}
	if u.evalled != u.step {
		if err := u.evaluate(ctx); err != nil {
			return err
		}
	}
	return u.checkpoint(ctx)
}

// train runs steps [u.step, Train.Steps) with batches prefetched one ahead.
func (u *run) train(ctx context.Context) error {
	c := u.c
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	ch := u.feed.prefetch(pctx, u.step, c.Train.Steps)
	for u.step < c.Train.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, ok := <-ch
		if !ok {
			return fmt.Errorf("prefetch ended early at step %d: %w", u.step, ctx.Err())
		}
		if f.err != nil {
			return f.err
		}
		// A step runs to its end even when ctx is cancelled meanwhile: the
		// model is then at a step boundary, where a checkpoint is exact.
		u.dirty = true
		losses, err := u.trainStep(context.WithoutCancel(ctx), f.it)
		if err != nil {
			return fmt.Errorf("step %d: %w", u.step, err)
		}
		if err := finite(losses, u.step+1); err != nil {
			return err
		}
		u.step++
		u.dirty = false
		u.losses = losses
		if u.step%c.Train.LogEvery == 0 || u.step == c.Train.Steps {
			for _, k := range slices.Sorted(keys(losses)) {
				u.pending = append(u.pending, results.Point{Name: k, Step: u.step,
					Value: losses[k]})
			}
		}
		u.progress("step")

		evalNow := c.Eval.Every > 0 && u.step%c.Eval.Every == 0
		if evalNow {
			if err := u.evaluate(ctx); err != nil {
				return err
			}
		}
		ckptEvery := c.Train.CheckpointEvery
		if evalNow || (ckptEvery > 0 && u.step%ckptEvery == 0) {
			if err := u.checkpoint(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// trainStep runs one step of the cell's task and returns its losses, named
// "d/..." and "g/..." for GANs.
func (u *run) trainStep(ctx context.Context, it *item) (map[string]float64, error) {
	c, m := u.c, u.modelOf()
	out := map[string]float64{}
	switch c.Task {
	case TaskGAN, TaskAnomaly:
		for d, real := range it.reals {
			req := core.StepRequest{Phase: core.PhaseD,
				Step:   it.step*int64(len(it.reals)) + int64(d),
				Lambda: c.Train.Lambda, Real: real}
			if it.negs != nil {
				req.Negatives = it.negs[d]
			}
			res, err := m.Step(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("discriminator: %w", err)
			}
			for k, v := range res {
				out["d/"+k] += v / float64(len(it.reals))
			}
		}
		res, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: it.step,
			Lambda: c.Train.Lambda, Real: it.reals[len(it.reals)-1]})
		if err != nil {
			return nil, fmt.Errorf("generator: %w", err)
		}
		for k, v := range res {
			out["g/"+k] = v
		}
	default:
		req := core.StepRequest{Phase: core.PhaseTrain, Step: it.step, Real: it.reals[0]}
		if it.negs != nil {
			req.Negatives = it.negs[0]
		}
		if it.views != nil {
			req.Views = it.views[0][:]
		}
		res, err := m.Step(ctx, req)
		if err != nil {
			return nil, err
		}
		for k, v := range res {
			out[k] = v
		}
	}
	return out, nil
}

// finite reports the first NaN or Inf loss as divergence.
func finite(losses map[string]float64, step int64) error {
	for _, k := range slices.Sorted(keys(losses)) {
		if v := losses[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return &divergedError{fmt.Sprintf("loss %s is %v at step %d", k, v, step)}
		}
	}
	return nil
}

// progress reports the current step.
func (u *run) progress(kind string) {
	done := u.step - u.from
	el := time.Since(u.start).Seconds()
	e := Event{Time: time.Now(), Kind: kind, Cell: u.c.ID, Run: u.id, Step: u.step,
		Steps: u.c.Train.Steps, Loss: lossesOnly(u.losses), Best: u.bestMap()}
	if done > 0 && el > 0 {
		e.Rate = float64(done) / el
		e.ETA = float64(u.c.Train.Steps-u.step) / e.Rate
	}
	u.r.opt.Progress.Report(e)
}

func (u *run) bestMap() map[string]float64 {
	if !u.hasBest {
		return nil
	}
	return map[string]float64{u.primary: u.best}
}

// flush writes the pending series points.
func (u *run) flush(ctx context.Context) error {
	if len(u.pending) == 0 {
		return nil
	}
	if err := u.r.opt.Store.AddSeries(ctx, u.id, u.pending); err != nil {
		return err
	}
	u.pending = u.pending[:0]
	return nil
}

// checkpoint flushes the series and writes last.ckpt at the current step;
// the store's step follows, so both agree on where a resume starts.
func (u *run) checkpoint(ctx context.Context) error {
	if err := u.lease.confirm(); err != nil {
		return err
	}
	if err := u.flush(ctx); err != nil {
		return err
	}
	path := filepath.Join(u.dir, "last.ckpt")
	if err := u.save(ctx, path); err != nil {
		return err
	}
	u.saved = u.step
	if err := u.r.opt.Store.AddArtifact(ctx, u.id, "checkpoint-last", path); err != nil {
		return err
	}
	return u.r.opt.Store.UpdateRun(ctx, u.id, results.StatusRunning, u.step, "")
}

func (u *run) save(ctx context.Context, path string) error {
	body, err := u.modelOf().Save(ctx)
	if err != nil {
		return fmt.Errorf("save %s: %w", u.model.desc.ID(), err)
	}
	h := CheckpointHeader{Step: u.step, Model: u.c.Model.Name, Cell: u.c.ID, RunID: u.id}
	return WriteCheckpoint(path, h, body)
}

func keys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// lossesOnly keeps the step results whose names say they are losses, for
// a progress line that fits; all results are recorded regardless. With no
// such names it keeps everything.
func lossesOnly(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if strings.Contains(k, "loss") {
			out[k] = v
		}
	}
	if len(out) == 0 {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// FormatParams renders varying values as "k=v k=v", keys sorted. A plugin
// with a label ("augmentation": "jigsaw(k=2)") is shown by it alone (see
// results.ShownParams).
func FormatParams(m map[string]any) string {
	shown := results.ShownParams(m)
	parts := make([]string, len(shown))
	for i, k := range shown {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, " ")
}
