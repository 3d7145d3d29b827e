package results

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAddSeries measures series ingestion: batches of 1,000 points
// (the size a runner flushes), each batch one transaction. Target: at
// least 200,000 points/s.
func BenchmarkAddSeries(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		b.Fatal(err)
	}
	const batch = 1000
	names := []string{"loss_d", "loss_g", "d_real", "d_fake"}
	pts := make([]Point, batch)

	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	step := int64(0)
	for range b.N {
		for i := range pts {
			pts[i] = Point{Name: names[i%len(names)], Step: step + int64(i/len(names)),
				Value: float64(i)}
		}
		step += batch / int64(len(names))
		if err := s.AddSeries(ctx, "r", pts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "points/s")
	b.ReportMetric(float64(b.N*batch)/(cpuTime()-cpu0).Seconds(), "points/cpu-s")
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

// BenchmarkAddMetrics measures one evaluation's write: 10 metrics, one
// transaction.
func BenchmarkAddMetrics(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	if err := s.CreateRun(ctx, &Run{ID: "r", Experiment: "e", CellID: "c"}); err != nil {
		b.Fatal(err)
	}
	vals := map[string]float64{}
	for i := range 10 {
		vals[fmt.Sprintf("m%d", i)] = float64(i)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.AddMetrics(ctx, "r", int64(i), vals); err != nil {
			b.Fatal(err)
		}
	}
}
