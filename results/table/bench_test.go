package table

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ndalab/ndalab/results"
)

// Size of the table benchmark: 10 augmentations × 10 lambdas × 100 seeds
// = 10,000 runs, each with 10 metrics at 3 evaluation steps.
const (
	benchAugs, benchLambdas, benchSeeds = 10, 10, 100
	benchMetrics, benchEvals            = 10, 3
)

// benchConfig is a run config of the size and shape the runner stores
// (augmentation, lambda and seed to fill in), which tables compare.
const benchConfig = `{"anomaly":{"load":"","ood":[],"samples":1000},
"augmentation":{"name":"aug%d","params":{"k":2,"p":0.5}},
"dataset":{"name":"cifar10","params":{"data_dir":"data","subset":0}},
"eval":{"ema":true,"every":5000,"grid":64,"primary":"","probe_samples":2000,"samples":10000},
"features":{"checkpoint":"","from":"cls/0123456789abcdef","model":{"name":"classifier",
"params":{"feat_dim":128,"width":32}}},"metrics":[{"name":"fid","params":{}},
{"name":"kid","params":{"subsets":10}}],"model":{"name":"biggan32","params":{"ch":64,
"lr_d":0.0002,"lr_g":0.0002}},"task":"gan","train":{"batch_size":64,"checkpoint_every":0,
"conditional":false,"d_steps":2,"lambda":%g,"log_every":100,"steps":50000},
"views":{"name":"","params":{}},"seed":%d}`

// benchDB is the benchmark store's file, written once per test binary
// (the testing package calls a benchmark function more than once).
var benchDB struct {
	once sync.Once
	path string
	err  error
}

// TestMain removes the benchmark store after the tests and benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB.path != "" {
		os.RemoveAll(filepath.Dir(benchDB.path))
	}
	os.Exit(code)
}

// benchStore opens the benchmark's store, writing it on first use.
func benchStore(b *testing.B) *results.Store {
	b.Helper()
	benchDB.once.Do(func() {
		dir, err := os.MkdirTemp("", "ndalab-table-bench")
		if err != nil {
			benchDB.err = err
			return
		}
		benchDB.path = filepath.Join(dir, "bench.db")
		benchDB.err = writeBenchStore(benchDB.path)
	})
	if benchDB.err != nil {
		b.Fatal(benchDB.err)
	}
	s, err := results.Open(context.Background(), benchDB.path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func writeBenchStore(path string) error {
	ctx := context.Background()
	s, err := results.OpenWith(ctx, path, results.Options{SkipCheck: true})
	if err != nil {
		return err
	}
	defer s.Close()

	rng := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names := make([]string, benchMetrics)
	for i := range names {
		names[i] = fmt.Sprintf("m%d", i)
	}
	names[0], names[1] = "fid", "auroc"
	n := 0
	for a := range benchAugs {
		for l := range benchLambdas {
			for seed := range int64(benchSeeds) {
				n++
				id := fmt.Sprintf("a%d-l%d-s%d", a, l, seed)
				r := &results.Run{ID: id, Experiment: "bench", CellID: id, Seed: seed,
					Status: results.StatusFinished, Started: t0.Add(time.Duration(n)),
					Params: map[string]any{"aug": fmt.Sprintf("aug%d", a), "lambda": float64(l) / 10},
					Config: fmt.Appendf(nil, benchConfig, a, float64(l)/10, seed)}
				if err := s.CreateRun(ctx, r); err != nil {
					return err
				}
				for e := range int64(benchEvals) {
					vals := map[string]float64{}
					for _, m := range names {
						vals[m] = rng.Float64()
					}
					dirs := map[string]bool{"auroc": true}
					for _, m := range names[2:] {
						dirs[m] = false
					}
					if err := s.AddMetricsWithDirection(ctx, id, e, vals, dirs); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// BenchmarkTable10kRuns builds and renders a table over 10,000 runs and 10
// metrics (aug rows × lambda columns × 10 metrics, 100 seeds a cell), from
// an open store. Target: under 1 s.
func BenchmarkTable10kRuns(b *testing.B) {
	s := benchStore(b)
	metrics := []string{"fid", "auroc", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}
	spec := Spec{Rows: "aug", Cols: "lambda", Metrics: metrics}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		t, err := Load(context.Background(), s, spec)
		if err != nil {
			b.Fatal(err)
		}
		if t.Cells[0][0].N != benchSeeds || len(t.Columns) != benchLambdas*benchMetrics {
			b.Fatalf("cell n %d, %d columns", t.Cells[0][0].N, len(t.Columns))
		}
		if err := Render(io.Discard, t, "terminal"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user and system CPU time this process has used. On a
// shared machine wall time depends on the neighbours; CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
