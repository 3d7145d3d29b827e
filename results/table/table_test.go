package table

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fixture writes a small NDA experiment: 4 augmentations × 2 lambdas × 3
// seeds, with fid and auroc at two evaluation steps. One cell has a single
// seed, one is missing, and one seed was retried after failing.
func fixture(t testing.TB) *results.Store {
	t.Helper()
	ctx := context.Background()
	s, err := results.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	add := func(aug string, lambda float64, seed int64, status string, fid float64) {
		n++
		cell := fmt.Sprintf("%s-%g-%d", aug, lambda, seed)
		r := &results.Run{ID: fmt.Sprintf("%s-%d", cell, n), Experiment: "nda-gan",
			CellID: cell, Seed: seed, Status: status, Started: start.Add(time.Duration(n)),
			Params: map[string]any{"aug": aug, "lambda": lambda, "seed": seed}}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		for step := int64(100); step <= 200; step += 100 {
			vals := map[string]float64{
				"fid":   fid + float64(200-step)/10 + rng.NormFloat64(),
				"auroc": 0.7 + fid/1000 + rng.NormFloat64()/100,
			}
			err := s.AddMetricsWithDirection(ctx, r.ID, step, vals, map[string]bool{"auroc": true})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	base := map[string]float64{"none": 40, "jigsaw": 31.5, "cutout": 35, "mixup": 38}
	for _, aug := range []string{"none", "jigsaw", "cutout", "mixup"} {
		for _, lambda := range []float64{0.25, 0.5} {
			for seed := int64(1); seed <= 3; seed++ {
				switch {
				case aug == "mixup" && lambda == 0.5:
					continue // the missing cell
				case aug == "cutout" && lambda == 0.5 && seed > 1:
					continue // the single-seed cell
				case aug == "none" && seed == 2:
					add(aug, lambda, seed, results.StatusFailed, 500) // retried below
				}
				add(aug, lambda, seed, results.StatusFinished, base[aug]+lambda*4)
			}
		}
	}
	return s
}

func TestGolden(t *testing.T) {
	s := fixture(t)
	specs := map[string]Spec{
		"pivot": {Experiment: "nda-gan", Rows: "aug", Cols: "lambda", Metrics: []string{"fid"}},
		"metrics": {Rows: "aug", Metrics: []string{"fid", "auroc"}, Agg: AggLast,
			Where: map[string]string{"lambda": "0.25"}},
		"pivot-metrics": {Rows: "lambda", Cols: "aug", Metrics: []string{"fid", "auroc"}},
	}
	for name, spec := range specs {
		tab, err := Load(context.Background(), s, spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range Formats {
			t.Run(name+"/"+f, func(t *testing.T) {
				var b bytes.Buffer
				if err := Render(&b, tab, f); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", name+"."+f+".golden"), b.Bytes())
			})
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestBuildValues(t *testing.T) {
	s := fixture(t)
	tab, err := Load(context.Background(), s, Spec{Rows: "aug", Cols: "lambda",
		Metrics: []string{"fid"}, Status: results.StatusFinished})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tab.Rows, ","); got != "cutout,jigsaw,mixup,none" {
		t.Fatalf("rows = %s", got)
	}
	if len(tab.Columns) != 2 || tab.Columns[0].Key != "0.25" || tab.Columns[1].Key != "0.5" {
		t.Fatalf("columns = %+v", tab.Columns)
	}
	cutout05, mixup05, none025 := tab.Cells[0][1], tab.Cells[2][1], tab.Cells[3][0]
	if cutout05.N != 1 || mixup05.N != 0 || none025.N != 3 {
		t.Fatalf("counts: cutout/0.5 %d, mixup/0.5 %d, none/0.25 %d; want 1, 0, 3",
			cutout05.N, mixup05.N, none025.N)
	}
	// jigsaw has the lowest fid and none the highest in both columns; the
	// failed attempt (fid ~500) must not count.
	for j := range tab.Columns {
		if !tab.Cells[1][j].Best || tab.Cells[3][j].Best || tab.Cells[3][j].Mean > 60 {
			t.Errorf("column %d: jigsaw best %v, none best %v, none mean %v",
				j, tab.Cells[1][j].Best, tab.Cells[3][j].Best, tab.Cells[3][j].Mean)
		}
	}
}

func TestBadSpecs(t *testing.T) {
	s := fixture(t)
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"unknown metric", Spec{Rows: "aug", Metrics: []string{"fdi"}},
			`unknown metric "fdi" (known: auroc, fid)`},
		{"unknown param", Spec{Rows: "augmentation", Metrics: []string{"fid"}},
			`unknown parameter "augmentation" (known: aug, experiment, lambda, seed)`},
		{"unknown where", Spec{Rows: "aug", Metrics: []string{"fid"},
			Where: map[string]string{"lr": "1"}}, `unknown parameter "lr"`},
		{"mixed settings", Spec{Rows: "aug", Metrics: []string{"fid"}}, "differ in lambda"},
		{"no rows", Spec{Metrics: []string{"fid"}}, "no row parameter"},
		{"bad agg", Spec{Rows: "aug", Metrics: []string{"fid"}, Agg: "mean"}, "unknown aggregation"},
		{"no runs", Spec{Rows: "aug", Metrics: []string{"fid"}, Where: map[string]string{
			"lambda": "0.75"}}, "no runs match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), s, tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) ||
				!errors.Is(err, core.ErrInvalidArgument) && !errors.Is(err, core.ErrNotFound) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDirection(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		stated map[string]bool
		info   results.MetricInfo
		want   bool
		src    string
	}{
		{"fid_ema", nil, results.MetricInfo{}, false, "known"},
		{"acc@1", nil, results.MetricInfo{}, true, "known"},
		{"score", nil, results.MetricInfo{HigherIsBetter: &yes}, true, "recorded"},
		{"fid", map[string]bool{"fid": true}, results.MetricInfo{HigherIsBetter: &no}, true, "stated"},
	} {
		got, src, err := direction(tc.name, tc.stated, tc.info)
		if err != nil || got != tc.want || src != tc.src {
			t.Errorf("direction(%s) = %v, %s, %v; want %v, %s", tc.name, got, src, err, tc.want, tc.src)
		}
	}
	if _, _, err := direction("score", nil, results.MetricInfo{}); err == nil ||
		!strings.Contains(err.Error(), "--higher score") {
		t.Errorf("unknown direction: %v", err)
	}
	if _, _, err := direction("x", nil, results.MetricInfo{Conflict: true}); err == nil {
		t.Error("conflicting directions: no error")
	}
}

func TestCellText(t *testing.T) {
	for _, tc := range []struct {
		c    Cell
		want string
	}{
		{Cell{Mean: 23.4567, Std: 0.4321, N: 3}, "23.46 ± 0.43 (3)"},
		{Cell{Mean: 123.456, Std: 12.3, N: 3}, "123 ± 12 (3)"},
		{Cell{Mean: 0.912345, Std: 0.0012, N: 5}, "0.9123 ± 0.0012 (5)"},
		{Cell{Mean: 0.5, Std: 1e-7, N: 2}, "0.5000 ± 0.0000 (2)"},
		{Cell{Mean: 31.5, Std: 5, N: 2}, "31.5 ± 5.0 (2)"},
		{Cell{Mean: 12345.6, N: 1}, "12346 (1)"},
		{Cell{Mean: 0.0123456, N: 1}, "0.01235 (1)"},
		{Cell{Mean: 0, Std: 0.05, N: 2}, "0.000 ± 0.050 (2)"},
		{Cell{}, ""},
	} {
		if got := tc.c.Text(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.c, got, tc.want)
		}
	}
}

// settingsRun is a finished run of cell aug=jigsaw with one fid value and
// the given config.
func settingsRun(t *testing.T, s *results.Store, id string, seed int64, cfg string) {
	t.Helper()
	ctx := context.Background()
	err := s.CreateRun(ctx, &results.Run{ID: id, Experiment: "e", CellID: id, Seed: seed,
		Status: results.StatusFinished, Params: map[string]any{"aug": "jigsaw", "seed": seed},
		Config: []byte(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddMetrics(ctx, id, 100, map[string]float64{"fid": 30 + float64(seed)}); err != nil {
		t.Fatal(err)
	}
}

// TestSettingsMustMatch averages runs whose configs differ in the seed and
// in bookkeeping only, and refuses runs whose other settings differ,
// naming the key and both values.
func TestSettingsMustMatch(t *testing.T) {
	const cfg = `{"augmentation": {"name": "jigsaw", "params": {}}, "seed": %d,
		"features": {"checkpoint": %q}, "train": {"steps": %d, "log_every": %d,
		"checkpoint_every": %d}, "metrics": [{"name": "fid"}]}`
	spec := Spec{Rows: "aug", Metrics: []string{"fid"}}
	for _, tc := range []struct {
		name  string
		other string // the second run's config; the first is cfg(1, a.ckpt, 1000, 10, 0)
		want  string // "" for a table
	}{
		{"seed and bookkeeping", fmt.Sprintf(cfg, 2, "a.ckpt", 1000, 50, 500), ""},
		{"steps", fmt.Sprintf(cfg, 2, "a.ckpt", 2000, 10, 0),
			"config key train.steps is 1000 in one and 2000 in the other"},
		{"feature network", fmt.Sprintf(cfg, 2, "b.ckpt", 1000, 10, 0),
			`config key features.checkpoint is "a.ckpt" in one and "b.ckpt" in the other`},
		{"metric list", strings.Replace(fmt.Sprintf(cfg, 2, "a.ckpt", 1000, 10, 0),
			`[{"name": "fid"}]`, `[{"name": "fid"}, {"name": "kid"}]`, 1),
			`config key metrics is [{"name":"fid"}] in one and [{"name":"fid"},{"name":"kid"}]`},
		{"a key one lacks", `{"augmentation": {"name": "jigsaw", "params": {"k": 2}}}`,
			"config key augmentation.params.k is (unset) in one and 2 in the other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := results.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			settingsRun(t, s, "r1", 1, fmt.Sprintf(cfg, 1, "a.ckpt", 1000, 10, 0))
			settingsRun(t, s, "r2", 2, tc.other)
			tab, err := Load(context.Background(), s, spec)
			if tc.want == "" {
				if err != nil || tab.Cells[0][0].N != 2 || tab.Cells[0][0].Mean != 31.5 {
					t.Fatalf("table %+v (%v), want one cell of 2 runs, mean 31.5", tab, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "runs r1 and r2 in the cell aug=jigsaw") ||
				!errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("error %v; want one naming both runs and containing %q", err, tc.want)
			}
		})
	}
}

// A table of given cells leaves out runs of other cells of the experiment,
// such as those of an earlier version of its file with other settings.
func TestCellsFilter(t *testing.T) {
	s, err := results.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const cfg = `{"seed": %d, "train": {"steps": %d}}`
	settingsRun(t, s, "old1", 1, fmt.Sprintf(cfg, 1, 1000))
	settingsRun(t, s, "new1", 1, fmt.Sprintf(cfg, 1, 2000))
	settingsRun(t, s, "new2", 2, fmt.Sprintf(cfg, 2, 2000))
	spec := Spec{Rows: "aug", Metrics: []string{"fid"}}
	if _, err := Load(context.Background(), s, spec); err == nil ||
		!strings.Contains(err.Error(), "train.steps") {
		t.Fatalf("old and new runs together: %v, want a train.steps error", err)
	}
	spec.Cells = []string{"new1", "new2"}
	tab, err := Load(context.Background(), s, spec)
	if err != nil || tab.Cells[0][0].N != 2 {
		t.Fatalf("new cells only: %+v (%v), want one cell of 2 runs", tab, err)
	}
}
