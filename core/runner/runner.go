package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// Store is what the runner records runs in; *results.Store implements it.
type Store interface {
	CreateRun(ctx context.Context, r *results.Run) error
	LatestRun(ctx context.Context, experiment, cellID string) (*results.Run, error)
	UpdateRun(ctx context.Context, id, status string, step int64, errMsg string) error
	TakeLease(ctx context.Context, runID, owner string, ttl time.Duration) error
	RenewLease(ctx context.Context, runID, owner string, ttl time.Duration) error
	ReleaseLease(ctx context.Context, runID, owner string) error
	AddMetricsWithDirection(ctx context.Context, runID string, step int64,
		values map[string]float64, higherIsBetter map[string]bool) error
	AddSeries(ctx context.Context, runID string, points []results.Point) error
	AddArtifact(ctx context.Context, runID, kind, path string) error
	Series(ctx context.Context, runID, name string) ([]results.Point, error)
	Metrics(ctx context.Context, runID string) ([]results.Metric, error)
}

// Options configure a Runner.
type Options struct {
	Launcher Launcher
	Store    Store
	// Out is the artifact directory; each run writes under
	// Out/<experiment>/<cell ID>/.
	Out string
	// Workers is how many cells run at once (default 1).
	Workers int
	// FailFast stops all cells after the first failure.
	FailFast bool
	Progress Progress     // nil: no progress
	Log      *slog.Logger // nil: discard
	// Catalog, when set, is shared with the caller (who may have used it
	// to check the experiment file); nil makes a new one.
	Catalog *Catalog
	// Host fills the parts of the reproducibility record the runner cannot
	// see itself (BLAS, device).
	Host HostInfo
	// LeaseInterval and LeaseExpiry time the lease a run holds in the store
	// while this runner works on it: renewed every LeaseInterval (default
	// DefaultLeaseInterval), taken for dead LeaseExpiry after the last
	// renewal (default DefaultLeaseExpiry). Another runner on the same
	// store leaves a cell with a live lease alone and takes over one whose
	// lease lapsed. LeaseInterval must be shorter than LeaseExpiry.
	LeaseInterval, LeaseExpiry time.Duration
}

// Runner runs cells. It is safe to call Run once at a time.
type Runner struct {
	opt     Options
	catalog *Catalog
	reqMu   sync.Mutex // one worker at a time runs a required (features.from) cell
	gitOnce sync.Once
	gitInfo GitInfo
}

// New returns a Runner.
func New(opt Options) (*Runner, error) {
	if opt.Launcher == nil || opt.Store == nil {
		return nil, fmt.Errorf("%w: runner needs a launcher and a store", core.ErrInvalidArgument)
	}
	if opt.Workers < 1 {
		opt.Workers = 1
	}
	if opt.Progress == nil {
		opt.Progress = discard{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Out == "" {
		opt.Out = "runs"
	}
	if opt.Catalog == nil {
		opt.Catalog = NewCatalog(opt.Launcher)
	}
	if opt.LeaseInterval == 0 {
		opt.LeaseInterval = DefaultLeaseInterval
	}
	if opt.LeaseExpiry == 0 {
		opt.LeaseExpiry = DefaultLeaseExpiry
	}
	if opt.LeaseInterval < 0 || opt.LeaseExpiry <= opt.LeaseInterval {
		return nil, fmt.Errorf("%w: runner lease interval %v must be positive and shorter than "+
			"its expiry %v", core.ErrInvalidArgument, opt.LeaseInterval, opt.LeaseExpiry)
	}
	return &Runner{opt: opt, catalog: opt.Catalog}, nil
}

// Catalog is the runner's descriptor cache; pass its Describe to the
// experiment loader so that files are checked by the same descriptors.
func (r *Runner) Catalog() *Catalog { return r.catalog }

// Outcome is what happened to one cell.
type Outcome struct {
	Cell   *Cell
	RunID  string // empty if skipped before a run was made
	Status string // a results status, StatusSkipped or StatusHeld
	Step   int64
	// Err is why a cell failed or was not run; for StatusHeld, a
	// *results.LeaseError naming the process that holds the cell.
	Err error
}

// StatusSkipped marks a cell whose finished run was reused.
const StatusSkipped = "skipped"

// Run checks every cell, then runs them on the configured workers. Cells
// with a finished (or diverged) run are skipped; interrupted ones resume
// from their last checkpoint, as do running ones whose process died (their
// lease lapsed); cells another process is running are left to it
// (StatusHeld). It returns one outcome per cell, in cell
// order, and an error if checking failed, a cell failed (with FailFast) or
// ctx was cancelled.
func (r *Runner) Run(ctx context.Context, cells []*Cell) ([]Outcome, error) {
	for _, c := range cells {
		if err := r.Check(ctx, c); err != nil {
			return nil, err
		}
		if req := c.Features.From; req != nil {
			if err := r.Check(ctx, req); err != nil {
				return nil, fmt.Errorf("features.from of cell %s: %w", c.ID, err)
			}
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]Outcome, len(cells))
	next := make(chan int)
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPool(r.opt.Launcher)
			defer p.close()
			for i := range next {
				out[i] = r.runCell(ctx, p, cells[i])
				if out[i].Status == results.StatusFailed && r.opt.FailFast {
					cancel(fmt.Errorf("cell %s failed (--fail-fast): %w", cells[i].ID, out[i].Err))
				}
			}
		}()
	}
feed:
	for i := range cells {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()

	if err := context.Cause(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// Check resolves every plugin parameter of a cell against its descriptor
// and checks that the metrics' inputs can be gathered, so that a bad cell
// fails before any training starts.
func (r *Runner) Check(ctx context.Context, c *Cell) error {
	_, err := r.resolveCell(ctx, c)
	return err
}

// resolved holds a cell's descriptors and fully resolved configs.
type resolved struct {
	descs map[string]*core.Descriptor // by "kind/name"
	cfgs  map[*Component]core.Config
}

func (r *Runner) resolveCell(ctx context.Context, c *Cell) (*resolved, error) {
	res := &resolved{descs: map[string]*core.Descriptor{}, cfgs: map[*Component]core.Config{}}
	add := func(kind core.Kind, comp *Component, what string) error {
		// Views named "none" are the identity plugin, which is called;
		// negatives named "none" are the baseline, which is not.
		if !comp.Set() && !(comp == &c.Views && comp.Name != "") {
			return nil
		}
		d, err := r.catalog.Describe(ctx, kind, comp.Name)
		if err != nil {
			return fmt.Errorf("cell %s: %s: %w", c.ID, what, err)
		}
		cfg, err := d.Resolve(comp.Params)
		if err != nil {
			return fmt.Errorf("cell %s: %s: %w", c.ID, what, err)
		}
		res.descs[d.ID()] = d
		res.cfgs[comp] = cfg
		return nil
	}
	errs := []error{
		add(core.KindDataset, &c.Dataset, "dataset"),
		add(core.KindAugmentation, &c.Augmentation, "augmentation"),
		add(core.KindAugmentation, &c.Views, "views"),
		add(core.KindModel, &c.Model, "model"),
		add(core.KindModel, &c.Features.Model, "features.model"),
	}
	for i := range c.Metrics {
		errs = append(errs, add(core.KindMetric, &c.Metrics[i], fmt.Sprintf("metrics[%d]", i)))
	}
	for i := range c.Anomaly.Sets {
		s := &c.Anomaly.Sets[i]
		errs = append(errs, add(core.KindDataset, &s.Dataset, "anomaly set "+s.Name),
			add(core.KindAugmentation, &s.Augmentation, "anomaly set "+s.Name))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := checkInputs(c, res); err != nil {
		return nil, fmt.Errorf("cell %s: %w", c.ID, err)
	}
	if err := checkPrimary(c, res); err != nil {
		return nil, fmt.Errorf("cell %s: %w", c.ID, err)
	}
	return res, nil
}

// checkInputs makes sure every metric's declared inputs exist for the task.
func checkInputs(c *Cell, res *resolved) error {
	for _, m := range c.Metrics {
		d := res.descs[string(core.KindMetric)+"/"+m.Name]
		for _, in := range d.Inputs {
			var ok bool
			switch in {
			case core.InputGeneratedFeatures, core.InputRealFeatures:
				ok = (c.Task == TaskGAN || c.Task == TaskAnomaly) && c.Features.Model.Set()
			case core.InputGeneratedPoints:
				ok = c.Task == TaskGAN || c.Task == TaskAnomaly
			case core.InputScoresIn, core.InputScoresOut:
				ok = c.Task == TaskAnomaly
			case core.InputTrainFeatures, core.InputTestFeatures:
				ok = c.Task == TaskContrastive || c.Task == TaskClassifier
			}
			if !ok {
				return fmt.Errorf("%w: metric %s needs %q, which task %s does not provide%s",
					core.ErrInvalidArgument, m.Name, in, c.Task, needsFeatures(in))
			}
		}
	}
	return nil
}

// checkPrimary makes sure eval.primary names a value some metric records.
func checkPrimary(c *Cell, res *resolved) error {
	if c.Eval.Primary == "" {
		return nil
	}
	var descs []*core.Descriptor
	for _, m := range c.Metrics {
		descs = append(descs, res.descs[string(core.KindMetric)+"/"+m.Name])
	}
	names, _ := primaries(c.Task, descs)
	if slices.Contains(names, c.Eval.Primary) {
		return nil
	}
	return fmt.Errorf("%w: eval.primary %q is not a primary metric of this cell (have: %s)",
		core.ErrInvalidArgument, c.Eval.Primary, strings.Join(names, ", "))
}

func needsFeatures(in string) string {
	if in == core.InputGeneratedFeatures || in == core.InputRealFeatures {
		return " without features.model"
	}
	return ""
}

// cellDir is where a cell's artifacts live, across attempts.
func (r *Runner) cellDir(c *Cell) string {
	return filepath.Join(r.opt.Out, c.Experiment, c.ID)
}

// claimTries bounds how often runCell decides again about a cell whose
// latest run another process changed while this one was deciding.
const claimTries = 3

// errRaced says that another process changed a cell's runs between this
// runner's reading them and its taking the cell.
var errRaced = errors.New("another process changed the cell's runs meanwhile")

// runCell runs (or skips, or resumes) one cell and reports its outcome.
func (r *Runner) runCell(ctx context.Context, p *pool, c *Cell) Outcome {
	for try := 1; ; try++ {
		o := r.tryCell(ctx, p, c)
		if !errors.Is(o.Err, errRaced) {
			return o
		}
		if try == claimTries {
			o.Status = results.StatusFailed
			o.Err = fmt.Errorf("cell %s: gave up after %d tries: %w", c.ID, try, o.Err)
			return o
		}
		r.opt.Log.Info("cell changed by another process; deciding again", "cell", c.ID)
	}
}

// tryCell decides what to do with a cell from its latest run and does it.
// Taking the cell is atomic in the store: a run to resume is leased, a new
// run is created with its lease, and either fails if another process holds
// a live lease on the cell.
func (r *Runner) tryCell(ctx context.Context, p *pool, c *Cell) Outcome {
	o := Outcome{Cell: c}
	if ctx.Err() != nil {
		o.Err = ctx.Err() // cancelled before it started: no status
		return o
	}
	prev, err := r.opt.Store.LatestRun(ctx, c.Experiment, c.ID)
	if err != nil {
		o.Status, o.Err = results.StatusFailed, err
		return o
	}
	if prev != nil && (prev.Status == results.StatusFinished ||
		prev.Status == results.StatusDiverged) {
		why := r.stale(ctx, c, prev)
		if why == "" {
			o.RunID, o.Status, o.Step = prev.ID, StatusSkipped, prev.Step
			r.opt.Progress.Report(Event{Time: time.Now(), Kind: "skip", Cell: c.ID, Run: prev.ID,
				Step: prev.Step, Steps: c.Train.Steps, Status: StatusSkipped,
				Msg: "already " + prev.Status})
			return o
		}
		r.opt.Log.Info("rerunning a finished cell", "cell", c.ID, "run", prev.ID, "why", why)
		r.opt.Progress.Report(Event{Time: time.Now(), Kind: "start", Cell: c.ID, Run: prev.ID,
			Steps: c.Train.Steps, Msg: "rerunning: " + why})
	}
	var le *results.LeaseError
	if c.Features.From != nil {
		if err := r.require(ctx, p, c); err != nil {
			if errors.As(err, &le) {
				return r.held(c, prev, le)
			}
			o.Status, o.Err = results.StatusFailed, err
			r.record(c, prev, err)
			return o
		}
	}
	if err := os.MkdirAll(r.cellDir(c), 0o755); err != nil {
		o.Status, o.Err = results.StatusFailed, fmt.Errorf("cell %s: %w", c.ID, err)
		return o
	}

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := r.newLease(cancel)
	defer l.end()
	if resumable(prev) {
		if err := r.claim(ctx, l, c, prev); err != nil {
			if errors.As(err, &le) {
				return r.held(c, prev, le)
			}
			if !errors.Is(err, errRaced) {
				o.Status = results.StatusFailed
			}
			o.Err = err
			return o
		}
	}

	run, err := r.newRun(rctx, p, c, prev, l)
	switch {
	case errors.As(err, &le):
		return r.held(c, prev, le)
	case errors.Is(err, results.ErrRunExists):
		o.Err = fmt.Errorf("cell %s: %w: %w", c.ID, errRaced, err)
		return o
	case err != nil:
		o.Err = err
		if ctx.Err() == nil {
			o.Status = results.StatusFailed
			r.record(c, prev, err)
		}
		return o
	}
	defer run.close()
	o.RunID = run.id
	o.Status, o.Step, o.Err = run.execute(rctx)
	return o
}

// resumable reports whether a cell's latest run is one to continue: it was
// interrupted, or it is running, which is left to its process while that
// holds a live lease and taken over once the lease lapses.
func resumable(prev *results.Run) bool {
	return prev != nil && (prev.Status == results.StatusInterrupted ||
		prev.Status == results.StatusRunning)
}

// claim leases prev, the cell's latest run, then checks that it is still
// the latest and unchanged: another process may have resumed or replaced
// it after this runner read it.
func (r *Runner) claim(ctx context.Context, l *lease, c *Cell, prev *results.Run) error {
	if err := l.take(ctx, prev.ID); err != nil {
		return err
	}
	now, err := r.opt.Store.LatestRun(ctx, c.Experiment, c.ID)
	if err != nil {
		return err
	}
	if now == nil || now.ID != prev.ID || now.Status != prev.Status || now.Step != prev.Step {
		return fmt.Errorf("cell %s: run %s: %w", c.ID, prev.ID, errRaced)
	}
	if prev.Lease != nil {
		r.opt.Log.Info("taking over a run whose lease lapsed", "cell", c.ID, "run", prev.ID,
			"owner", prev.Lease.Owner, "until", prev.Lease.Until)
	}
	return nil
}

// held is the outcome of a cell that another process is running.
func (r *Runner) held(c *Cell, prev *results.Run, le *results.LeaseError) Outcome {
	o := Outcome{Cell: c, RunID: le.HeldRun, Status: StatusHeld, Err: le}
	if prev != nil && prev.ID == le.HeldRun {
		o.Step = prev.Step
	}
	r.opt.Log.Info("cell held by another process", "cell", c.ID, "run", le.HeldRun,
		"owner", le.Held.Owner, "until", le.Held.Until)
	r.opt.Progress.Report(Event{Time: time.Now(), Kind: "skip", Cell: c.ID, Run: le.HeldRun,
		Step: o.Step, Steps: c.Train.Steps, Status: StatusHeld,
		Msg: "another process is running it: " + le.Error()})
	return o
}

// record stores a failure that happened before a run could start, so that
// it shows in the results like any other failed run.
func (r *Runner) record(c *Cell, prev *results.Run, cause error) {
	ctx := context.Background()
	id := nextRunID(c.ID, prev)
	now := time.Now()
	run := &results.Run{ID: id, Experiment: c.Experiment, CellID: c.ID, Params: c.Varying,
		Config: c.Config, Seed: c.Seed, Status: results.StatusRunning, Started: now}
	if err := r.opt.Store.CreateRun(ctx, run); err != nil {
		r.opt.Log.Error("record failed run", "cell", c.ID, "err", err)
		return
	}
	r.opt.Store.UpdateRun(ctx, id, results.StatusFailed, 0, cause.Error())
	r.opt.Progress.Report(Event{Time: now, Kind: "end", Cell: c.ID, Run: id, Steps: c.Train.Steps,
		Status: results.StatusFailed, Msg: cause.Error()})
}

// require runs (or reuses) the cell that trains c's feature network and
// points c at its checkpoint: best.ckpt when its metrics chose one, else
// last.ckpt.
func (r *Runner) require(ctx context.Context, p *pool, c *Cell) error {
	req := c.Features.From
	r.reqMu.Lock()
	defer r.reqMu.Unlock()
	// A finished run that still stands is reused quietly; anything else
	// runs (or resumes) here, in the open.
	prev, err := r.opt.Store.LatestRun(ctx, req.Experiment, req.ID)
	if err != nil {
		return fmt.Errorf("features.from: %w", err)
	}
	if prev == nil || prev.Status != results.StatusFinished || r.stale(ctx, req, prev) != "" {
		o := r.runCell(ctx, p, req)
		if o.Status == StatusHeld {
			return fmt.Errorf("features.from: cell %s: %w", req, o.Err)
		}
		if o.Status != results.StatusFinished {
			return fmt.Errorf("%w: features.from: cell %s ended %s: %v", core.ErrFailedPrecondition,
				req, o.Status, o.Err)
		}
	}
	path, err := r.requiredCheckpoint(req)
	if err != nil {
		return err
	}
	c.Features.Checkpoint = path
	return nil
}

// stale says why a finished run no longer stands for its cell c: another
// ndalab version, a plugin whose version changed since, training data
// whose content changed, or another feature network (see staleFeatures);
// "" if it stands. Plugin checksums are recorded but not compared, since
// every rebuild of the ndalab binary changes the built-ins' sums.
func (r *Runner) stale(ctx context.Context, c *Cell, prev *results.Run) string {
	var rec Record
	if len(prev.Record) == 0 || json.Unmarshal(prev.Record, &rec) != nil {
		return ""
	}
	if rec.Version != "" && rec.Version != core.Version {
		return fmt.Sprintf("ndalab %s recorded, this is %s", rec.Version, core.Version)
	}
	for _, p := range rec.Plugins {
		d, err := r.catalog.Describe(ctx, p.Kind, p.Name)
		if err != nil {
			return fmt.Sprintf("plugin %s/%s: %v", p.Kind, p.Name, err)
		}
		if d.Version != p.Version {
			return fmt.Sprintf("plugin %s/%s %s recorded, now %s", p.Kind, p.Name, p.Version,
				d.Version)
		}
	}
	if rec.DataChecksum != "" {
		d, err := r.catalog.Describe(ctx, core.KindDataset, c.Dataset.Name)
		if err != nil {
			return fmt.Sprintf("dataset %s: %v", c.Dataset.Name, err)
		}
		cfg, err := d.Resolve(c.Dataset.Params)
		if err != nil {
			return fmt.Sprintf("dataset %s: %v", c.Dataset.Name, err)
		}
		sum, err := r.catalog.DatasetChecksum(ctx, c.Dataset.Name, cfg)
		if err != nil {
			return fmt.Sprintf("dataset %s: %v", c.Dataset.Name, err)
		}
		if sum != rec.DataChecksum {
			return fmt.Sprintf("dataset %s changed (checksum %.12s recorded, now %.12s)",
				c.Dataset.Name, rec.DataChecksum, sum)
		}
	}
	if c.Features.Model.Set() {
		return r.staleFeatures(ctx, c, &rec)
	}
	return ""
}
