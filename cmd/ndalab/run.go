package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/runner"
	"github.com/ndalab/ndalab/experiments"
	"github.com/ndalab/ndalab/registry"
	"github.com/ndalab/ndalab/results"
	"github.com/ndalab/ndalab/results/table"
)

// cmdRun runs every cell of an experiment file, then prints its table.
func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "FILE [flags]",
		"Run an experiment file: every matrix cell, recorded in a results database.\n"+
			"Finished cells are skipped and interrupted ones resume from their last\n"+
			"checkpoint, so running the same file again continues where it stopped.")
	var set setFlags
	fs.Var(&set, "set", "override a config key (key=value, value read as YAML); repeatable")
	db := fs.String("db", envOr("NDALAB_DB", "ndalab.db"), "results database (env NDALAB_DB)")
	workers := fs.Int("workers", 1, "cells run at once")
	failFast := fs.Bool("fail-fast", false, "stop every cell after the first failure")
	shard := fs.String("shard", "", "run only shard i of n (0-based i/n, cells by index mod n)")
	logFormat := fs.String("log-format", "text", "progress on stderr: text or json (JSON lines)")
	out := fs.String("out", "", "artifact directory (default: the file's out key, else runs)")
	noTable := fs.Bool("no-table", false, "do not print the comparison table at the end")
	lock := lockFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("run: want one experiment file, got %d arguments", fs.NArg())
	}
	if *logFormat != "text" && *logFormat != "json" {
		return fmt.Errorf("run: --log-format %q: want text or json: %w", *logFormat,
			core.ErrInvalidArgument)
	}
	si, sn, err := parseShard(*shard)
	if err != nil {
		return err
	}

	reg, err := openRegistry(e, *lock)
	if err != nil {
		return err
	}
	l := &launcher{reg: reg}
	store, err := results.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	var progress runner.Progress = runner.NewTextProgress(e.stderr, isTerminal(e.stderr))
	if *logFormat == "json" {
		progress = runner.NewJSONProgress(e.stderr)
	}
	catalog := runner.NewCatalog(l)
	x, err := experiments.Load(ctx, fs.Arg(0), experiments.Options{
		Set: set, Environ: os.Environ(), Describe: catalog.Describe,
	})
	if err != nil {
		return err
	}
	dir := x.Out
	if *out != "" {
		dir = *out
	}
	r, err := runner.New(runner.Options{
		Launcher: l, Store: store, Workers: *workers, FailFast: *failFast, Out: dir,
		Progress: progress, Log: e.log, Catalog: catalog,
		Host: runner.HostInfo{BLAS: backend.BLAS(), Device: device()},
	})
	if err != nil {
		return err
	}

	cells := x.Cells
	if sn > 0 {
		cells = slices.DeleteFunc(slices.Clone(cells),
			func(c *runner.Cell) bool { return c.Index%sn != si })
		fmt.Fprintf(e.stderr, "shard %d/%d: %d of %d cells\n", si, sn, len(cells), len(x.Cells))
	}
	outcomes, runErr := r.Run(ctx, cells)
	failed := summarize(e.stderr, outcomes)

	// When every cell failed there is nothing to tabulate, and an error
	// about missing metrics would only hide the failures printed above.
	if !*noTable && runErr == nil && failed < len(outcomes) {
		if err := printTable(ctx, e, store, x, r); err != nil {
			fmt.Fprintf(e.stderr, "ndalab run: %v\n", err)
		}
	}
	fmt.Fprintf(e.stderr, "results in %s, artifacts under %s\n", *db, filepath.Join(dir, x.Name))
	if runErr != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "interrupted: run the same command again to resume")
		}
		return fmt.Errorf("run %s: %w", x.Name, runErr)
	}
	if failed > 0 {
		return fmt.Errorf("run %s: %d of %d cells failed (see ndalab results)", x.Name, failed,
			len(cells))
	}
	return nil
}

// launcher adapts the registry to runner.Launcher; it remembers each
// plugin's sha256 for the reproducibility record.
type launcher struct {
	reg  *registry.Registry
	mu   sync.Mutex
	sums map[string]string
}

func (l *launcher) Start(ctx context.Context, kind core.Kind, name string) (core.Component,
	io.Closer, error) {
	p, err := l.reg.Start(ctx, kind, name)
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	if l.sums == nil {
		l.sums = map[string]string{}
	}
	l.sums[string(kind)+"/"+name] = p.SHA256
	l.mu.Unlock()
	return p.Component, p, nil
}

// Checksum returns the sha256 of the plugin's executable, once started.
func (l *launcher) Checksum(kind core.Kind, name string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sums[string(kind)+"/"+name]
}

// parseShard reads "i/n" (0 <= i < n); "" means no sharding.
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("run: --shard %q: want i/n with 0 <= i < n: %w", s,
			core.ErrInvalidArgument)
	}
	return i, n, nil
}

// summarize prints the outcome counts and each failure; it returns the
// number of failed cells.
func summarize(w io.Writer, outcomes []runner.Outcome) int {
	counts := map[string]int{}
	failed := 0
	for _, o := range outcomes {
		if o.Cell == nil || o.Status == "" {
			counts["not started"]++
			continue
		}
		counts[o.Status]++
		switch o.Status {
		case results.StatusFailed:
			failed++
			fmt.Fprintf(w, "cell %s failed: %v\n", o.Cell.ID, o.Err)
		case runner.StatusHeld:
			fmt.Fprintf(w, "cell %s left to another process: %v\n", o.Cell.ID, o.Err)
		}
	}
	var parts []string
	for _, s := range append(slices.Clone(results.Statuses), runner.StatusSkipped,
		runner.StatusHeld, "not started") {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "%d cells: %s\n", len(outcomes), strings.Join(parts, ", "))
	return failed
}

// printTable prints the experiment's comparison table: rows by the first
// value that varies (other than the seed, over which the table averages),
// one column per metric's primary value.
func printTable(ctx context.Context, e *env, store *results.Store, x *experiments.Experiment,
	r *runner.Runner) error {
	rows := x.RowKey()
	metrics, higher := primaryMetrics(ctx, x, r)
	if rows == "" || len(metrics) == 0 {
		return nil
	}
	cells := make([]string, len(x.Cells))
	for i, c := range x.Cells {
		cells[i] = c.ID
	}
	t, err := table.Load(ctx, store, table.Spec{Experiment: x.Name, Rows: rows, Metrics: metrics,
		Higher: higher, Cells: cells})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%s (%s)\n", x.Name, filepath.Base(x.File))
	return table.Render(e.stdout, t, "terminal")
}

// primaryMetrics lists the primary metric of every metric the cells use,
// with their directions.
func primaryMetrics(ctx context.Context, x *experiments.Experiment, r *runner.Runner) ([]string,
	map[string]bool) {
	var names []string
	higher := map[string]bool{}
	for _, c := range x.Cells {
		ns, hs, err := r.PrimaryMetrics(ctx, c)
		if err != nil {
			continue
		}
		for _, n := range ns {
			if !slices.Contains(names, n) {
				names = append(names, n)
				higher[n] = hs[n]
			}
		}
	}
	return names, higher
}

func device() string {
	if backend.CUDAAvailable() {
		return "cpu (cuda available)"
	}
	return "cpu"
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
