package registry_test

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/registry"
)

// identity is the in-process twin of the faulty plugin's "ok" mode, so the
// two round-trip benchmarks differ by the process boundary alone.
type identity struct{}

func (identity) Apply(_ context.Context, _ core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	return in.Clone(), nil
}

func startOK(b *testing.B, shm bool) *registry.Plugin {
	b.Helper()
	reg := newRegistry(
		&testing.T{},
		registry.Options{Path: []string{bins.faulty}, NoSharedMemory: !shm},
	)
	p, err := reg.Start(context.Background(), core.KindAugmentation, "ok")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

func benchRoundTrip(
	b *testing.B,
	apply func(context.Context, core.AugmentRequest, *core.Batch) (*core.Batch, error),
	n, c, h, w int,
) {
	in := core.NewBatch(n, c, h, w)
	in.Labels = make([]int32, n)
	req := core.AugmentRequest{Config: core.Config{}}
	b.SetBytes(int64(2 * 4 * len(in.Data))) // there and back
	b.ResetTimer()
	for b.Loop() {
		if _, err := apply(context.Background(), req, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip64x3x32x32 is one augmentation call on a CIFAR-sized
// batch: through a plugin process, and the same call in-process.
func BenchmarkRoundTrip64x3x32x32(b *testing.B) {
	b.Run("process-shm", func(b *testing.B) {
		aug := startOK(b, true).Component.(core.Augmentation)
		benchRoundTrip(b, aug.Apply, 64, 3, 32, 32)
	})
	b.Run("process-grpc", func(b *testing.B) {
		aug := startOK(b, false).Component.(core.Augmentation)
		benchRoundTrip(b, aug.Apply, 64, 3, 32, 32)
	})
	b.Run("in-process", func(b *testing.B) {
		benchRoundTrip(b, identity{}.Apply, 64, 3, 32, 32)
	})
}

// BenchmarkRoundTripLatency is the fixed cost of one call: a 1×1×1×1
// batch through a plugin process.
func BenchmarkRoundTripLatency(b *testing.B) {
	aug := startOK(b, true).Component.(core.Augmentation)
	benchRoundTrip(b, aug.Apply, 1, 1, 1, 1)
}

// BenchmarkLargeBatch sends 64 MiB each way (16 chunks per direction in
// gRPC messages, or one shared-memory file); the MB/s column is the figure.
func BenchmarkLargeBatch(b *testing.B) {
	for _, shm := range []bool{true, false} {
		name := map[bool]string{true: "shm", false: "grpc"}[shm]
		b.Run(name, func(b *testing.B) {
			aug := startOK(b, shm).Component.(core.Augmentation)
			benchRoundTrip(b, aug.Apply, 1024, 16, 32, 32)
		})
	}
}

// BenchmarkStart is the time from Start to a described, usable plugin.
func BenchmarkStart(b *testing.B) {
	reg := newRegistry(&testing.T{}, registry.Options{Path: []string{bins.faulty}})
	for b.Loop() {
		p, err := reg.Start(context.Background(), core.KindAugmentation, "ok")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		p.Close()
		b.StartTimer()
	}
}
