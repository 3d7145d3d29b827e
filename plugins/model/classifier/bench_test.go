package classifier

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// BenchmarkEmbed is the FID feature extraction throughput of the default
// MNIST classifier, reported in images/s.
func BenchmarkEmbed(b *testing.B) {
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{}, 1); err != nil {
		b.Fatal(err)
	}
	in := core.NewBatch(512, 1, 28, 28)
	for i := range in.Data {
		in.Data[i] = float32(i%255)/127.5 - 1
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Embed(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(in.N()*b.N)/b.Elapsed().Seconds(), "images/s")
}
