package results

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// writerEnv, when set to "PATH:INDEX", makes the test binary act as one
// writer process of TestConcurrentWriterProcesses instead of running tests.
const writerEnv = "NDALAB_RESULTS_TEST_WRITER"

// Sizes of each writer's work.
const (
	writers        = 8
	runsPerWriter  = 4
	batchesPerRun  = 10
	pointsPerBatch = 100
)

func TestMain(m *testing.M) {
	if v := os.Getenv(writerEnv); v != "" {
		i := len(v) - 1
		for v[i] != ':' {
			i--
		}
		n, _ := strconv.Atoi(v[i+1:])
		if err := writeWorkload(context.Background(), v[:i], n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeWorkload opens path as its own Store and writes runsPerWriter runs,
// each with batches of series points, metrics, and a final status.
func writeWorkload(ctx context.Context, path string, w int) error {
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	for r := range runsPerWriter {
		id := fmt.Sprintf("w%d-r%d", w, r)
		run := &Run{ID: id, Experiment: "concurrent", CellID: id, Seed: int64(r),
			Params: map[string]any{"writer": w}}
		if err := s.CreateRun(ctx, run); err != nil {
			return err
		}
		for b := range batchesPerRun {
			pts := make([]Point, pointsPerBatch)
			for i := range pts {
				step := int64(b*pointsPerBatch + i)
				pts[i] = Point{Name: "loss", Step: step, Value: float64(step)}
			}
			if err := s.AddSeries(ctx, id, pts); err != nil {
				return err
			}
			err := s.AddMetrics(ctx, id, int64(b), map[string]float64{"fid": float64(w)})
			if err != nil {
				return err
			}
		}
		if err := s.UpdateRun(ctx, id, StatusFinished, batchesPerRun, ""); err != nil {
			return err
		}
	}
	return nil
}

// checkWorkload checks that every writer's rows arrived exactly once.
func checkWorkload(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var runs, finished, points, metrics int
	q := `SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM runs WHERE status = 'finished'),
		(SELECT count(*) FROM series), (SELECT count(*) FROM metrics)`
	if err := s.r.QueryRow(q).Scan(&runs, &finished, &points, &metrics); err != nil {
		t.Fatal(err)
	}
	wantRuns := writers * runsPerWriter
	if runs != wantRuns || finished != wantRuns ||
		points != wantRuns*batchesPerRun*pointsPerBatch || metrics != wantRuns*batchesPerRun {
		t.Fatalf("got %d runs (%d finished), %d points, %d metrics; want %d, %d, %d",
			runs, finished, points, metrics, wantRuns,
			wantRuns*batchesPerRun*pointsPerBatch, wantRuns*batchesPerRun)
	}
}

// TestConcurrentWriterProcesses starts 8 processes (this test binary run
// again) that create and write one new file at the same time.
func TestConcurrentWriterProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	cmds := make([]*exec.Cmd, writers)
	outs := make([]*lockedBuffer, writers)
	for w := range writers {
		outs[w] = &lockedBuffer{}
		cmds[w] = exec.Command(exe, "-test.run=^$")
		cmds[w].Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", writerEnv, path, w))
		cmds[w].Stdout, cmds[w].Stderr = outs[w], outs[w]
		if err := cmds[w].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for w, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("writer %d: %v: %s", w, err, outs[w].String())
		}
	}
	if t.Failed() {
		return
	}
	checkWorkload(t, path)
}

// TestConcurrentWriterHandles does the same with 8 Stores in one process.
func TestConcurrentWriterHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() { errs[w] = writeWorkload(context.Background(), path, w) })
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	if t.Failed() {
		return
	}
	checkWorkload(t, path)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
