package fid

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// featureBatch draws n samples of d independent N(shift, scale²) features.
func featureBatch(seed uint64, n, d int, shift, scale float64) *core.Batch {
	r := rand.New(rand.NewPCG(seed, 99))
	b := core.NewBatch(n, d, 1, 1)
	for i := range b.Data {
		b.Data[i] = float32(shift + scale*r.NormFloat64())
	}
	return b
}

func resolved(t testing.TB, m *Metric, cfg core.Config) core.Config {
	t.Helper()
	desc, err := m.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := desc.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := desc.Resolve(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMetricCompute(t *testing.T) {
	m := New()
	cfg := resolved(t, m, nil)
	d := 4
	// Shift every feature by 1 and double its standard deviation: per
	// dimension 1² + 1 + 4 - 2√(1·4) = 2, so FD = 2d = 8.
	in := map[string]*core.Batch{
		core.InputGeneratedFeatures: featureBatch(1, 20000, d, 1, 2),
		core.InputRealFeatures:      featureBatch(2, 20000, d, 0, 1),
	}
	out, err := m.Compute(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := out["fid"]; math.Abs(got-8) > 0.1 {
		t.Errorf("fid = %v, want 8 ± 0.1", got)
	}

	in[core.InputGeneratedFeatures] = featureBatch(3, 20000, d, 0, 1)
	out, err = m.Compute(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := out["fid"]; got < 0 || got > 0.01 {
		t.Errorf("fid of two samples of one distribution = %v, want [0, 0.01]", got)
	}
}

func TestMetricBadInputs(t *testing.T) {
	m := New()
	cfg := resolved(t, m, nil)
	good := featureBatch(1, 10, 3, 0, 1)
	nan := featureBatch(1, 10, 3, 0, 1)
	nan.Data[7] = float32(math.NaN())
	cases := []struct {
		name string
		gen  *core.Batch
		want string
	}{
		{"missing", nil, "missing"},
		{"image shaped", core.NewBatch(10, 1, 2, 2), "want features"},
		{"one sample", featureBatch(1, 1, 3, 0, 1), "at least 2"},
		{"width", featureBatch(1, 10, 4, 0, 1), "features per sample"},
		{"nan", nan, "NaN"},
		{"bad shape", &core.Batch{Shape: [4]int{10, 3, 1, 1}, Data: make([]float32, 5)}, "needs 30 values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := map[string]*core.Batch{core.InputRealFeatures: good}
			if c.gen != nil {
				in[core.InputGeneratedFeatures] = c.gen
			}
			_, err := m.Compute(context.Background(), cfg, in)
			if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), "fid") {
				t.Errorf("error %v: want ErrInvalidArgument naming fid and containing %q", err, c.want)
			}
		})
	}
}

// BenchmarkFID10000x512 is the target: FID between two sets of
// 10,000 512-d features, under 2 s per op.
func BenchmarkFID10000x512(b *testing.B) {
	m := New()
	cfg := resolved(b, m, nil)
	in := map[string]*core.Batch{
		core.InputGeneratedFeatures: featureBatch(1, 10000, 512, 0.1, 1.1),
		core.InputRealFeatures:      featureBatch(2, 10000, 512, 0, 1),
	}
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		if _, err := m.Compute(context.Background(), cfg, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkDistance512 times the Fréchet distance alone, as when the real
// statistics come from the cache.
func BenchmarkDistance512(b *testing.B) {
	var stats [2]Stats
	for i := range stats {
		s, err := StatsOf(featureBatch(uint64(i), 2000, 512, 0, 1))
		if err != nil {
			b.Fatal(err)
		}
		stats[i] = s
	}
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		if _, err := Distance(stats[0], stats[1], 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}
