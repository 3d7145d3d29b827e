package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSchemaVersionMatchesMigrations(t *testing.T) {
	if SchemaVersion != len(migrations) {
		t.Fatalf("SchemaVersion = %d, but there are %d migrations", SchemaVersion, len(migrations))
	}
}

func TestRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	started := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	in := &Run{
		ID: "c1-1", Experiment: "mnist-gan", CellID: "c1",
		Params: map[string]any{"aug": "jigsaw", "lambda": 0.25},
		Config: json.RawMessage(`{"model": {"name": "dcgan"}}`), Seed: 7,
		Started: started, Record: json.RawMessage(`{"go": "go1.26"}`),
	}
	if err := s.CreateRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRun(ctx, in); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("second CreateRun of one ID: got %v, want ErrFailedPrecondition", err)
	}

	got, err := s.LatestRun(ctx, "mnist-gan", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusRunning || !got.Ended.IsZero() || got.Seed != 7 ||
		!got.Started.Equal(started) || got.Params["aug"] != "jigsaw" ||
		got.Params["lambda"] != 0.25 || string(got.Config) != `{"model":{"name":"dcgan"}}` {
		t.Fatalf("LatestRun = %+v", got)
	}
	if r, err := s.LatestRun(ctx, "mnist-gan", "nope"); r != nil || err != nil {
		t.Fatalf("LatestRun of unknown cell = %v, %v; want nil, nil", r, err)
	}

	if err := s.UpdateRun(ctx, "c1-1", StatusDiverged, 120, "loss is NaN"); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetRun(ctx, "c1-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusDiverged || got.Step != 120 || got.Error != "loss is NaN" ||
		got.Ended.IsZero() {
		t.Fatalf("after UpdateRun: %+v", got)
	}
	if err := s.UpdateRun(ctx, "nope", StatusFinished, 1, ""); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("UpdateRun of unknown run: %v", err)
	}
	if err := s.UpdateRun(ctx, "c1-1", "done", 1, ""); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("UpdateRun with unknown status: %v", err)
	}
}

func TestPointsReplaceAndNaN(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}

	// A resumed run sends steps 2 and 3 again: they replace, not duplicate.
	first := []Point{{"loss_d", 1, 1.0}, {"loss_d", 2, 0.9}, {"loss_d", 3, 0.8}}
	again := []Point{{"loss_d", 2, 0.5}, {"loss_d", 3, math.NaN()}, {"loss_d", 4, 0.4}}
	for _, pts := range [][]Point{first, again} {
		if err := s.AddSeries(ctx, "r", pts); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Series(ctx, "r", "loss_d")
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0, 0.5, math.NaN(), 0.4}
	if len(got) != len(want) {
		t.Fatalf("got %d points %v, want %d", len(got), got, len(want))
	}
	for i, p := range got {
		if p.Step != int64(i+1) || !(p.Value == want[i] || math.IsNaN(p.Value) && math.IsNaN(want[i])) {
			t.Errorf("point %d = %+v, want step %d value %v", i, p, i+1, want[i])
		}
	}

	err = s.AddMetricsWithDirection(ctx, "r", 10, map[string]float64{"fid": 30, "auroc": 0.9},
		map[string]bool{"auroc": true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddMetrics(ctx, "r", 10, map[string]float64{"auroc": 0.95}); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Metrics(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Name != "auroc" || ms[0].Value != 0.95 ||
		ms[0].HigherIsBetter == nil || !*ms[0].HigherIsBetter || ms[1].HigherIsBetter != nil {
		t.Fatalf("metrics = %+v", ms)
	}
	if err := s.AddSeries(ctx, "nope", first); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("AddSeries to unknown run: %v", err)
	}
}

func TestArtifact(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "samples.png")
	for _, content := range []string{"one", "abc"} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.AddArtifact(ctx, "r", "samples", path); err != nil {
			t.Fatal(err)
		}
	}
	as, err := s.Artifacts(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if len(as) != 1 || as[0].SHA256 != abc || as[0].Size != 3 {
		t.Fatalf("artifacts = %+v, want one with sha256 %s", as, abc)
	}
	err = s.AddArtifact(ctx, "r", "samples", filepath.Join(t.TempDir(), "missing.png"))
	if !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "missing.png") {
		t.Fatalf("missing artifact file: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, this is not a database at all"), 0o644)

	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite3", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	s.w.Exec("PRAGMA user_version = 99")
	s.Close()

	corrupt := filepath.Join(dir, "corrupt.db")
	makeCorrupt(t, corrupt)

	// A valid magic string followed by noise: a damaged header.
	header := filepath.Join(dir, "header.db")
	noise := []byte(strings.Repeat("SQLite format 3\x00\x10\x00\x01\x01garbage!", 400))
	os.WriteFile(header, noise, 0o644)

	truncated := filepath.Join(dir, "truncated.db")
	makeCorrupt(t, truncated)
	b, _ := os.ReadFile(truncated)
	os.WriteFile(truncated, b[:4096+1000], 0o644)

	for _, tc := range []struct {
		path, want string
		kind       error
	}{
		{text, "not an SQLite database", core.ErrInvalidArgument},
		{foreign, "not an ndalab results database", core.ErrInvalidArgument},
		{newer, "schema version 99 is newer", core.ErrFailedPrecondition},
		{corrupt, "corrupt", core.ErrInvalidArgument},
		{header, "corrupt", core.ErrInvalidArgument},
		{truncated, "corrupt", core.ErrInvalidArgument},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			s, err := Open(ctx, tc.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) ||
				!errors.Is(err, tc.kind) {
				t.Fatalf("error %q: want it to name the file, say %q and wrap %v",
					err, tc.want, tc.kind)
			}
			if after, _ := os.ReadFile(tc.path); string(after) != string(before) {
				t.Error("refused file was modified")
			}
		})
	}
}

// makeCorrupt writes a store with some data and overwrites the middle of
// its pages with garbage, leaving the header page intact.
func makeCorrupt(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}
	pts := make([]Point, 5000)
	for i := range pts {
		pts[i] = Point{"loss", int64(i), float64(i)}
	}
	if err := s.AddSeries(ctx, "r", pts); err != nil {
		t.Fatal(err)
	}
	s.Close()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Page 1 (the header and schema) stays; every later page gets an
	// invalid b-tree page type and garbage after it.
	for i := 4096; i < len(b); i += 4096 {
		copy(b[i:i+64], strings.Repeat("\xff", 64))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")

	// Build a version-1 file from the first migration, as ndalab 1 did.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		migrations[0],
		"PRAGMA application_id = 1313096012", // 0x4e44414c
		"PRAGMA user_version = 1",
		"INSERT INTO experiments VALUES ('e', 1)",
		`INSERT INTO runs(id, experiment, cell_id, params, seed, status, started)
		 VALUES ('r1', 'e', 'c1', '{"aug":"cutout"}', 3, 'finished', 5)`,
		"INSERT INTO metrics(rid, name, step, value) VALUES (1, 'fid', 100, 42.5)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version after open = %d, %v; want %d", v, err, SchemaVersion)
	}
	ms, err := s.Metrics(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Value != 42.5 || ms[0].HigherIsBetter != nil {
		t.Fatalf("metrics after upgrade = %+v", ms)
	}
	err = s.AddMetricsWithDirection(ctx, "r1", 100, map[string]float64{"fid": 40},
		map[string]bool{"fid": false})
	if err != nil {
		t.Fatalf("write the new column: %v", err)
	}
}

func TestOddPath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a?b#c%20d e.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("store not at its path: %v", err)
	}
}
