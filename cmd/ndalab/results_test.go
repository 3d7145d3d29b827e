package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ndalab/ndalab/experiments"
	"github.com/ndalab/ndalab/results"
)

// runResults runs `ndalab results ARGS` in-process and returns stdout.
func runResults(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"results"}, args...), &stdout, &stderr)
	return stdout.String(), err
}

// resultsShard writes runs of two augmentations × 2 seeds with fid and a
// loss series, with IDs prefixed by prefix.
func resultsShard(t *testing.T, path, prefix string, augs ...string) {
	t.Helper()
	ctx := context.Background()
	s, err := results.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for i, aug := range augs {
		for seed := int64(1); seed <= 2; seed++ {
			id := fmt.Sprintf("%s%s-%d", prefix, aug, seed)
			cfg := fmt.Sprintf(`{"aug": {"name": %q}, "seed": %d}`, aug, seed)
			err := s.CreateRun(ctx, &results.Run{ID: id, Experiment: "e", CellID: id, Seed: seed,
				Params: map[string]any{"aug": aug}, Config: []byte(cfg),
				Started: t0.Add(time.Duration(i*10+int(seed)) * time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			fid := 30 + 5*float64(i) + float64(seed)
			if err := s.AddMetrics(ctx, id, 100, map[string]float64{"fid": fid}); err != nil {
				t.Fatal(err)
			}
			pts := []results.Point{{Name: "loss", Step: 1, Value: 1},
				{Name: "loss", Step: 2, Value: 0.5 + float64(seed)/10}}
			if err := s.AddSeries(ctx, id, pts); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateRun(ctx, id, results.StatusFinished, 100, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestResultsVerbsHaveHelp(t *testing.T) {
	for _, v := range resultsVerbs() {
		var stderr bytes.Buffer
		e := &env{stdout: io.Discard, stderr: &stderr, log: slog.New(slog.DiscardHandler)}
		err := cmdResults(t.Context(), e, []string{v.name, "--help"})
		if err == nil || !strings.Contains(err.Error(), "help requested") ||
			!strings.Contains(stderr.String(), "usage: ndalab results "+v.name) ||
			!strings.Contains(stderr.String(), "-db") {
			t.Errorf("results %s --help: %v\n%s", v.name, err, stderr.String())
		}
	}
}

func TestResultsCommands(t *testing.T) {
	dir := t.TempDir()
	a, b, merged := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "m.db")
	resultsShard(t, a, "", "none", "jigsaw")
	resultsShard(t, b, "b-", "cutout")

	out, err := runResults(t, "--db", a, "table", "--rows", "aug", "--metric", "fid",
		"--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "| jigsaw | 36.50 ± 0.71 (2) |") ||
		!strings.Contains(out, "| none | **31.50 ± 0.71 (2)** |") {
		t.Errorf("table:\n%s", out)
	}

	// Merge twice, then the export is what merging once gave.
	var exports []string
	for range 2 {
		if _, err := runResults(t, "merge", a, b, "-o", merged); err != nil {
			t.Fatal(err)
		}
		out, err := runResults(t, "--db", merged, "export", "--what", "series", "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		exports = append(exports, out)
	}
	if exports[0] != exports[1] || strings.Count(exports[0], "\n") != 12 {
		t.Errorf("series after merges: %d and %d lines, equal %v",
			strings.Count(exports[0], "\n"), strings.Count(exports[1], "\n"), exports[0] == exports[1])
	}

	out, err = runResults(t, "compare", "none-1", "jigsaw-2", "--db", a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `aug.name: "none" -> "jigsaw"`) || !strings.Contains(out, "+6") {
		t.Errorf("compare:\n%s", out)
	}
	out, err = runResults(t, "--db", merged, "runs", "--experiment", "e")
	if err != nil || strings.Count(out, "\n") != 7 {
		t.Errorf("runs: %v\n%s", err, out)
	}
	if out, err = runResults(t, "--db", a, "show", "none-2"); err != nil ||
		!strings.Contains(out, "fid   100   32") {
		t.Errorf("show: %v\n%s", err, out)
	}
	png := filepath.Join(dir, "loss.png")
	if _, err := runResults(t, "--db", merged, "plot", "--metric", "loss", "--by", "aug",
		"-o", png); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(png); err != nil || fi.Size() < 1000 {
		t.Errorf("plot: %v", err)
	}
}

func TestResultsBadInput(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.db")
	resultsShard(t, a, "", "none")
	text := filepath.Join(dir, "notes.db")
	os.WriteFile(text, []byte("not a database, just notes"), 0o644)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", filepath.Join(dir, "missing.db"), "runs"}, "does not exist"},
		{[]string{"--db", text, "runs"}, "notes.db: not an SQLite database"},
		{[]string{"--db", a, "table", "--rows", "aug", "--metric", "kdi"},
			`unknown metric "kdi" (known: fid)`},
		{[]string{"--db", a, "table", "--rows", "augs", "--metric", "fid"},
			`unknown parameter "augs" (known: aug, experiment, seed)`},
		{[]string{"--db", a, "table", "--rows", "aug", "--metric", "fid", "--format", "xls"},
			`unknown format "xls"`},
		{[]string{"--db", a, "show", "nope"}, `no run "nope"`},
		{[]string{"--db", a, "frobnicate"}, `unknown verb "frobnicate"`},
	} {
		_, err := runResults(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v; want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("reading a missing store created it")
	}
}

// `results runs` and `results show` give a labelled plugin once, by its
// label, for runs whose params are what the experiment loader stores.
func TestResultsRunsShowLabelsOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "x.yaml")
	os.WriteFile(file, []byte(`
name: labels
task: gan
dataset: {name: toy2d}
model: {name: mlp-gan}
train: {steps: 10, batch_size: 8}
matrix:
  augmentation: [{name: none}, {name: jigsaw, params: {k: 2}}, {name: jigsaw, params: {k: 3}}]
`), 0o644)
	x, err := experiments.Load(ctx, file, experiments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "r.db")
	s, err := results.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range x.Cells {
		if _, ok := c.Varying["augmentation.name"]; !ok {
			t.Fatalf("cell params %v lack augmentation.name: the test no longer covers labels",
				c.Varying)
		}
		err := s.CreateRun(ctx, &results.Run{ID: c.ID + "-1", Experiment: x.Name, CellID: c.ID,
			Params: c.Varying, Config: c.Config, Seed: c.Seed})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	out, err := runResults(t, "--db", db, "runs")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"augmentation=none\n", "augmentation=jigsaw(k=2)\n",
		"augmentation=jigsaw(k=3)\n"} {
		if strings.Count(out, want) != 1 {
			t.Errorf("runs: want %q once in\n%s", want, out)
		}
	}
	if strings.Contains(out, "augmentation.") {
		t.Errorf("runs repeats a labelled plugin's keys:\n%s", out)
	}
	out, err = runResults(t, "--db", db, "show", x.Cells[1].ID+"-1")
	if err != nil || !strings.Contains(out, "params      augmentation=jigsaw(k=2)\n") {
		t.Errorf("show: %v\n%s", err, out)
	}
}

// A running run shows who holds it, or that nobody does.
func TestResultsRunsShowLeases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := results.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []*results.Run{
		{ID: "held-1", CellID: "held", Lease: &results.Lease{Owner: "4242@box/abcd",
			Until: now.Add(time.Minute)}},
		{ID: "lapsed-1", CellID: "lapsed", Lease: &results.Lease{Owner: "17@box/ef01",
			Until: now.Add(-time.Minute)}},
		{ID: "orphan-1", CellID: "orphan"},
	} {
		r.Experiment, r.Config, r.Started = "e", []byte(`{}`), now
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	out, err := runResults(t, "--db", path, "runs")
	if err != nil {
		t.Fatal(err)
	}
	wants := map[string]string{"held-1": "running (held by 4242@box, heartbeat",
		"lapsed-1": "running (no live lease", "orphan-1": "running (no live lease"}
	for _, line := range strings.Split(out, "\n") {
		id, _, _ := strings.Cut(line, " ")
		if want, ok := wants[id]; ok {
			if !strings.Contains(line, want) {
				t.Errorf("%s: %q lacks %q", id, line, want)
			}
			delete(wants, id)
		}
	}
	if len(wants) > 0 {
		t.Errorf("runs lacks %v:\n%s", wants, out)
	}
	out, err = runResults(t, "--db", path, "show", "held-1")
	if err != nil || !strings.Contains(out, "status      running (held by 4242@box") {
		t.Errorf("show held-1: %v\n%s", err, out)
	}
}
