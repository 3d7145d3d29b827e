package results

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

// shard writes a store with the given runs; each run gets series points
// 0..steps-1 and a metric at its last step.
func shard(t *testing.T, path string, runs []*Run, artifact string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range runs {
		status, step := r.Status, r.Step
		r.Status, r.Step = "", 0
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		pts := make([]Point, step)
		for i := range pts {
			pts[i] = Point{"loss", int64(i), float64(i) / 10}
		}
		if err := s.AddSeries(ctx, r.ID, pts); err != nil {
			t.Fatal(err)
		}
		err := s.AddMetricsWithDirection(ctx, r.ID, step, map[string]float64{"auroc": 0.5},
			map[string]bool{"auroc": true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddArtifact(ctx, r.ID, "samples", artifact); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateRun(ctx, r.ID, status, step, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// dump lists every row of every table, including row ids.
func dump(t *testing.T, path string) string {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	for _, q := range []string{
		"SELECT name, created FROM experiments ORDER BY name",
		"SELECT * FROM runs ORDER BY rid",
		"SELECT * FROM metrics ORDER BY rid, name, step",
		"SELECT * FROM series ORDER BY rid, name, step",
		"SELECT * FROM artifacts ORDER BY rid, kind, path",
	} {
		rows, err := s.r.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func mergeInto(t *testing.T, out string, srcs ...string) error {
	t.Helper()
	ctx := context.Background()
	dst, err := Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	var stores []*Store
	for _, p := range srcs {
		s, err := Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	_, err = dst.Merge(ctx, stores...)
	return err
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	art := filepath.Join(dir, "samples.png")
	os.WriteFile(art, []byte("png"), 0o644)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	run := func(id, cell string, seed int64, status string, step int64) *Run {
		return &Run{ID: id, Experiment: "e", CellID: cell, Seed: seed, Status: status,
			Step: step, Started: t0.Add(time.Duration(seed) * time.Hour),
			Params: map[string]any{"seed": seed}}
	}

	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	// Run "shared" appears in both: copied from A while running at step 5,
	// finished at step 10 in B.
	shard(t, a, []*Run{run("a1", "c1", 1, StatusFinished, 8), run("shared", "c9", 9,
		StatusRunning, 5)}, art)
	shard(t, b, []*Run{run("b1", "c2", 2, StatusFailed, 3), run("shared", "c9", 9,
		StatusFinished, 10)}, art)

	once, twice, reversed := filepath.Join(dir, "once.db"), filepath.Join(dir, "twice.db"),
		filepath.Join(dir, "reversed.db")
	if err := mergeInto(t, once, a, b); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := mergeInto(t, twice, a, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := mergeInto(t, reversed, b, a); err != nil {
		t.Fatal(err)
	}
	d := dump(t, once)
	if d2 := dump(t, twice); d2 != d {
		t.Fatalf("merging twice differs from merging once:\n%s\nvs\n%s", d2, d)
	}

	// Row ids follow the order of sources; the content does not.
	if exportAll(t, reversed) != exportAll(t, once) {
		t.Fatalf("merging b, a differs from merging a, b:\n%s\nvs\n%s",
			exportAll(t, reversed), exportAll(t, once))
	}

	ctx := context.Background()
	s, err := Open(ctx, reversed)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, _ := s.Runs(ctx, RunFilter{})
	sh, err := s.GetRun(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	pts, _ := s.Series(ctx, "shared", "loss")
	if len(runs) != 3 || sh.Status != StatusFinished || sh.Step != 10 || len(pts) != 10 {
		t.Fatalf("after merge: %d runs, shared %s at %d with %d points; want 3, finished, 10, 10",
			len(runs), sh.Status, sh.Step, len(pts))
	}

	// A third shard reuses ID a1 for another cell: an error naming both
	// claims, and the target stays as it was.
	c := filepath.Join(dir, "c.db")
	shard(t, c, []*Run{run("a1", "c7", 7, StatusFinished, 2)}, art)
	err = mergeInto(t, once, c)
	if err == nil || !errors.Is(err, core.ErrFailedPrecondition) ||
		!strings.Contains(err.Error(), "run a1") || !strings.Contains(err.Error(), "cell c1") ||
		!strings.Contains(err.Error(), "cell c7") || !strings.Contains(err.Error(), c) {
		t.Fatalf("conflicting IDs: got %v", err)
	}
	t.Log(err)
	if dump(t, once) != d {
		t.Fatal("a refused merge changed the target")
	}
	if err := mergeInto(t, a, a); err == nil {
		t.Fatal("merging a file into itself: no error")
	}
}

// exportAll is every table of a store as jsonl, which names runs by ID.
func exportAll(t *testing.T, path string) string {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	for _, table := range ExportTables {
		if err := s.Export(context.Background(), &b, table, "jsonl", RunFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
