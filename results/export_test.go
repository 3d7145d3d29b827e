package results

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestExportGolden(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	t0 := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	r := &Run{ID: "c1-1", Experiment: "e", CellID: "c1", Seed: 4, Status: StatusFinished,
		Step: 20, Started: t0, Ended: t0.Add(time.Minute), Params: map[string]any{"aug": "a,b"},
		Config: json.RawMessage(`{"lr": 0.001}`), Record: json.RawMessage(`{"go": "go1.26"}`)}
	if err := s.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	err := s.AddMetricsWithDirection(ctx, "c1-1", 20, map[string]float64{"fid": 12.5,
		"auroc": math.NaN()}, map[string]bool{"auroc": true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddSeries(ctx, "c1-1", []Point{{"loss_d", 1, 0.5}, {"loss_g", 1, 2}}); err != nil {
		t.Fatal(err)
	}

	for _, table := range ExportTables {
		for _, format := range ExportFormats {
			t.Run(table+"."+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := s.Export(ctx, &b, table, format, RunFilter{}); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", "export-"+table+"."+format+".golden"), b.Bytes())
			})
		}
	}
	var b bytes.Buffer
	if err := s.Export(ctx, &b, "runs; DROP TABLE runs", "csv", RunFilter{}); err == nil {
		t.Fatal("unknown export table: no error")
	}
	if err := s.Export(ctx, &b, "runs", "csv", RunFilter{Experiment: "other"}); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("filtered export: want the header only, got %q", b.String())
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
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
