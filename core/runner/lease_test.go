package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/runner"
	"github.com/ndalab/ndalab/experiments"
	"github.com/ndalab/ndalab/results"
)

// childEnv, when set to a JSON childSpec, makes the test binary run one
// experiment as a separate ndalab process would, instead of running tests.
const childEnv = "NDALAB_RUNNER_TEST_CHILD"

// childSpec is what a child runner process runs.
type childSpec struct {
	DB, Out, File string
	Interval      time.Duration // lease heartbeat
	Expiry        time.Duration // lease expiry
	// HoldAt, if > 0, is a generator step at which the child waits until
	// the file Go exists (forever, if the test kills it instead).
	HoldAt int64
	Go     string
}

// childOutcome is one line of a child's report on stdout.
type childOutcome struct {
	Cell, Run, Status, Err string
	Step                   int64
}

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		if err := runChild(v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(spec string) error {
	var cs childSpec
	if err := json.Unmarshal([]byte(spec), &cs); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := results.Open(ctx, cs.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	h := &hooks{}
	if cs.HoldAt > 0 {
		h.onStep = func(p core.Phase, step int64) {
			if p != core.PhaseG || step != cs.HoldAt {
				return
			}
			for {
				if _, err := os.Stat(cs.Go); err == nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	r, err := runner.New(runner.Options{Launcher: newLauncher(h), Store: st, Out: cs.Out,
		LeaseInterval: cs.Interval, LeaseExpiry: cs.Expiry})
	if err != nil {
		return err
	}
	x, err := experiments.Load(ctx, cs.File,
		experiments.Options{Describe: r.Catalog().Describe})
	if err != nil {
		return err
	}
	out, err := r.Run(ctx, x.Cells)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for _, o := range out {
		co := childOutcome{Cell: o.Cell.ID, Run: o.RunID, Status: o.Status, Step: o.Step}
		if o.Err != nil {
			co.Err = o.Err.Error()
		}
		enc.Encode(co)
	}
	return nil
}

// child is a runner process started by a test.
type child struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// startChild runs the experiment file of e in another process on e's
// store and artifact directory.
func startChild(t *testing.T, e *env, cs childSpec) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cs.DB, cs.Out, cs.File = e.store.Path(), filepath.Join(e.dir, "out"),
		filepath.Join(e.dir, "exp.yaml")
	spec, _ := json.Marshal(cs)
	c := &child{cmd: exec.Command(exe, "-test.run=^$")}
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

// wait waits for the child to exit and returns its outcomes.
func (c *child) wait(t *testing.T) []childOutcome {
	t.Helper()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child runner: %v\n%s", err, c.stderr.String())
	}
	var out []childOutcome
	dec := json.NewDecoder(&c.stdout)
	for dec.More() {
		var o childOutcome
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// waitRun polls the store until the cell's latest run satisfies ok.
func waitRun(t *testing.T, st *results.Store, x *experiments.Experiment,
	ok func(*results.Run) bool) *results.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := st.LatestRun(context.Background(), x.Name, x.Cells[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r != nil && ok(r) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the child's run never reached the state waited for")
	return nil
}

// TestLeaseHeldByAnotherProcess runs a cell in a child process and, while
// it works, the same file here: this runner leaves the cell alone, naming
// the child, and starts nothing for it.
func TestLeaseHeldByAnotherProcess(t *testing.T) {
	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, ganYAML)
	goFile := filepath.Join(e.dir, "go")
	c := startChild(t, e, childSpec{Interval: 50 * time.Millisecond, Expiry: 5 * time.Second,
		HoldAt: 5, Go: goFile})
	held := waitRun(t, e.store, x, func(r *results.Run) bool {
		return r.Lease != nil && r.Lease.Live(time.Now())
	})
	owner := fmt.Sprintf("%d@", c.cmd.Process.Pid)
	if !strings.HasPrefix(held.Lease.Owner, owner) {
		t.Fatalf("lease owner %q, want the child's pid %s...", held.Lease.Owner, owner)
	}

	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	var le *results.LeaseError
	if out[0].Status != runner.StatusHeld || out[0].RunID != held.ID ||
		!errors.As(out[0].Err, &le) || le.Held.Owner != held.Lease.Owner {
		t.Fatalf("second runner: %s run %s (%v), want held run %s by %s", out[0].Status,
			out[0].RunID, out[0].Err, held.ID, held.Lease.Owner)
	}
	if !strings.Contains(out[0].Err.Error(), owner) {
		t.Errorf("held message %q does not name the child %s", out[0].Err, owner)
	}
	if n := e.h.inits.Load(); n != 0 {
		t.Errorf("the second runner initialised %d models for a held cell", n)
	}

	os.WriteFile(goFile, nil, 0o644)
	co := c.wait(t)
	if len(co) != 1 || co[0].Status != results.StatusFinished || co[0].Run != held.ID {
		t.Fatalf("child outcomes %+v, want run %s finished", co, held.ID)
	}
	runs, _ := e.store.Runs(context.Background(), results.RunFilter{})
	if len(runs) != 1 || runs[0].Status != results.StatusFinished || runs[0].Lease != nil {
		t.Fatalf("stored runs %+v, want one finished run without a lease", runs)
	}
	again, err := r.Run(context.Background(), x.Cells)
	if err != nil || again[0].Status != runner.StatusSkipped {
		t.Fatalf("after the child: %+v (%v), want skipped", again, err)
	}
}

// TestCrashedRunTakenOver kills a child mid-run: the running row keeps its
// lease, which holds off other runners until it lapses; then a runner
// takes the run over and resumes it from its checkpoint to the state an
// uninterrupted run ends in.
func TestCrashedRunTakenOver(t *testing.T) {
	// The child reads the file as written: the setting is in it.
	yaml := strings.Replace(ganYAML, "log_every: 5", "log_every: 5, checkpoint_every: 5", 1)
	ref := newEnv(t)
	rr := ref.runner(1, false)
	rx := ref.load(rr, yaml)
	if _, err := rr.Run(context.Background(), rx.Cells); err != nil {
		t.Fatal(err)
	}
	want := finalState(t, ref, rx)

	e := newEnv(t)
	r := e.runner(1, false)
	x := e.load(r, yaml)
	c := startChild(t, e, childSpec{Interval: 50 * time.Millisecond, Expiry: 2 * time.Second,
		HoldAt: 12, Go: filepath.Join(e.dir, "never")})
	crashed := waitRun(t, e.store, x, func(r *results.Run) bool {
		return r.Step >= 10 && r.Lease != nil
	})
	c.cmd.Process.Kill()
	c.cmd.Wait()

	row, _ := e.store.GetRun(context.Background(), crashed.ID)
	if row.Status != results.StatusRunning || row.Lease == nil || row.Step != 10 {
		t.Fatalf("killed run reads %+v, want running at step 10 with its lease", row)
	}
	if time.Now().Before(row.Lease.Until) {
		out, err := r.Run(context.Background(), x.Cells)
		if err != nil || out[0].Status != runner.StatusHeld {
			t.Fatalf("before the lease lapsed: %s (%v), want held", out[0].Status, out[0].Err)
		}
	} else {
		t.Logf("the lease lapsed before the check (slow machine); skipping the held check")
	}

	time.Sleep(time.Until(row.Lease.Until) + 50*time.Millisecond)
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Status != results.StatusFinished || out[0].RunID != crashed.ID {
		t.Fatalf("take-over: %s run %s (%v), want run %s finished", out[0].Status, out[0].RunID,
			out[0].Err, crashed.ID)
	}
	if e.h.loads.Load() != 1 || len(e.h.dSteps) == 0 || e.h.dSteps[0] != 10*2 {
		t.Errorf("take-over loaded %d checkpoints and began at D step %v, want 1 and 20",
			e.h.loads.Load(), e.h.dSteps[:min(1, len(e.h.dSteps))])
	}
	if got := finalState(t, e, x); !bytes.Equal(got, want) {
		t.Errorf("taken-over final state\n%s\nwant (uninterrupted)\n%s", got, want)
	}
	runs, _ := e.store.Runs(context.Background(), results.RunFilter{})
	if len(runs) != 1 || runs[0].Lease != nil {
		t.Errorf("stored runs %+v, want the one run, released", runs)
	}
}

// TestRunnersContend runs one four-cell file with two runners at once, on
// two handles of one store file: every cell runs exactly once, and each
// runner finishes, skips or leaves to the other every cell.
func TestRunnersContend(t *testing.T) {
	e := newEnv(t)
	st2, err := results.Open(context.Background(), e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e.h.onStep = func(core.Phase, int64) { time.Sleep(time.Millisecond) }
	x := e.load(e.runner(1, false), ganYAML, "seeds=[1, 2, 3, 4]")

	var wg sync.WaitGroup
	outs := make([][]runner.Outcome, 2)
	for i, st := range []*results.Store{e.store, st2} {
		r, err := runner.New(runner.Options{Launcher: e.l, Store: st, Workers: 2,
			Out: filepath.Join(e.dir, "out"), LeaseInterval: 20 * time.Millisecond,
			LeaseExpiry: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			var err error
			outs[i], err = r.Run(context.Background(), x.Cells)
			if err != nil {
				t.Errorf("runner %d: %v", i, err)
			}
		})
	}
	wg.Wait()

	finished := map[string]int{}
	for i, out := range outs {
		for _, o := range out {
			switch o.Status {
			case results.StatusFinished:
				finished[o.Cell.ID]++
			case runner.StatusSkipped:
			case runner.StatusHeld:
				if !strings.Contains(o.Err.Error(), fmt.Sprintf("%d@", os.Getpid())) {
					t.Errorf("runner %d: held message %q names no owner", i, o.Err)
				}
			default:
				t.Errorf("runner %d: cell %s %s (%v)", i, o.Cell.ID, o.Status, o.Err)
			}
		}
	}
	runs, _ := e.store.Runs(context.Background(), results.RunFilter{})
	if len(runs) != len(x.Cells) {
		t.Errorf("%d runs stored for %d cells", len(runs), len(x.Cells))
	}
	for _, run := range runs {
		if run.Status != results.StatusFinished || run.Lease != nil {
			t.Errorf("run %s: %s, lease %+v", run.ID, run.Status, run.Lease)
		}
	}
	for _, c := range x.Cells {
		if finished[c.ID] != 1 {
			t.Errorf("cell %s finished by %d runners, want 1", c.ID, finished[c.ID])
		}
	}
	t.Logf("outcomes: %v", summary(outs))
}

func summary(outs [][]runner.Outcome) []string {
	var s []string
	for i, out := range outs {
		for _, o := range out {
			s = append(s, fmt.Sprintf("%d:%s", i, o.Status))
		}
	}
	return s
}

// stallingStore is the real store with a switch that holds lease renewals
// back, as a process stopped (or starved) past its lease would.
type stallingStore struct {
	*results.Store
	stalled atomic.Bool
	resume  chan struct{}
}

func (s *stallingStore) RenewLease(ctx context.Context, id, owner string,
	ttl time.Duration) error {
	if s.stalled.Load() {
		<-s.resume
	}
	return s.Store.RenewLease(ctx, id, owner, ttl)
}

// TestLostLeaseStopsRun stalls a run past its lease, lets another owner
// take the run over, and checks that the stalled runner then stops and
// writes nothing more of the run.
func TestLostLeaseStopsRun(t *testing.T) {
	e := newEnv(t)
	other, err := results.Open(context.Background(), e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	st := &stallingStore{Store: e.store, resume: make(chan struct{})}
	r, err := runner.New(runner.Options{Launcher: e.l, Store: st, Out: filepath.Join(e.dir, "out"),
		LeaseInterval: 10 * time.Millisecond, LeaseExpiry: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	x := e.load(r, ganYAML, "train.checkpoint_every=5")
	var thief error
	e.h.onStep = func(p core.Phase, step int64) {
		if p != core.PhaseG || step != 7 {
			return
		}
		// A renewal already under way may still land: wait until the lease
		// has lapsed for good.
		st.stalled.Store(true)
		defer close(st.resume)
		for range 100 {
			run, _ := other.LatestRun(context.Background(), x.Name, x.Cells[0].ID)
			if !run.Lease.Live(time.Now()) {
				thief = other.TakeLease(context.Background(), run.ID, "thief", time.Minute)
				return
			}
			time.Sleep(time.Until(run.Lease.Until) + 5*time.Millisecond)
		}
		thief = errors.New("the stalled lease never lapsed")
	}
	out, err := r.Run(context.Background(), x.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if thief != nil {
		t.Fatalf("take over the lapsed lease: %v", thief)
	}
	var le *results.LeaseError
	if out[0].Status != runner.StatusHeld || !errors.As(out[0].Err, &le) || !le.Lost ||
		le.Held.Owner != "thief" {
		t.Fatalf("stalled runner: %s (%v), want held, lease lost to thief", out[0].Status,
			out[0].Err)
	}
	run, _ := e.store.GetRun(context.Background(), out[0].RunID)
	if run.Status != results.StatusRunning || run.Step != 5 || run.Lease == nil ||
		run.Lease.Owner != "thief" {
		t.Errorf("run after the loss: %s at %d, lease %+v; want running at 5, thief's",
			run.Status, run.Step, run.Lease)
	}
	h, _, err := runner.ReadCheckpoint(filepath.Join(e.dir, "out", x.Name, x.Cells[0].ID,
		"last.ckpt"))
	if err != nil || h.Step != 5 {
		t.Errorf("last checkpoint at %d (%v), want 5: nothing written after the loss", h.Step, err)
	}
}
