package runner

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

// slowData is a dataset whose every batch takes delay to make, standing in
// for a plugin round trip; its values are a function of the request.
type slowData struct{ delay time.Duration }

func (slowData) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindDataset, Name: "slow", Version: "1.0.0"}, nil
}

func (slowData) Info(context.Context, core.Config, core.Split) (core.DatasetInfo, error) {
	return core.DatasetInfo{Size: 1000, Shape: [3]int{1, 4, 4}}, nil
}

func (d slowData) Batch(_ context.Context, req core.BatchRequest) (*core.Batch, error) {
	time.Sleep(d.delay)
	b := core.NewBatch(req.Size, 1, 4, 4)
	rng := core.NewRand(req.Seed, "slow", int64(req.Epoch*1000+req.Index), "x")
	for i := range b.Data {
		b.Data[i] = rng.Float32()
	}
	return b, nil
}

// shift makes a negative by adding the step, so that a negative made for
// the wrong batch index shows.
type shift struct{ delay time.Duration }

func (shift) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindAugmentation, Name: "shift", Version: "1.0.0",
		Roles: []string{core.RoleNegative}}, nil
}

func (s shift) Apply(_ context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch,
	error) {
	time.Sleep(s.delay)
	out := in.Clone()
	for i := range out.Data {
		out.Data[i] += float32(req.Step)
	}
	return out, nil
}

func newSlowFeed(delay time.Duration) *feed {
	return &feed{ds: slowData{delay}, perEpoch: 1000 / 8, bs: 8, seed: 3, perStep: 2,
		neg: shift{delay}}
}

// TestPrefetchChangesNothing: the prefetched items equal the ones fetched
// one by one, from any starting step (as after a resume).
func TestPrefetchChangesNothing(t *testing.T) {
	f := newSlowFeed(0)
	ctx := context.Background()
	for _, from := range []int64{0, 61} {
		n := from
		for got := range f.prefetch(ctx, from, from+80) {
			if got.err != nil {
				t.Fatal(got.err)
			}
			want, err := f.fetch(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.it, want) {
				t.Fatalf("step %d: prefetched item differs from a direct fetch", n)
			}
			n++
		}
		if n != from+80 {
			t.Errorf("prefetch from %d delivered up to %d, want %d", from, n, from+80)
		}
	}
}

// BenchmarkStep measures a step whose batches take 1 ms to make (D steps 2,
// so 2 batches and 2 negatives: 4 ms) and whose model takes 4 ms: with the
// prefetch pipeline a step costs about max(4, 4) ms, without it the sum.
func BenchmarkStep(b *testing.B) {
	const work = 4 * time.Millisecond
	f := newSlowFeed(time.Millisecond)
	ctx := context.Background()
	b.Run("prefetch", func(b *testing.B) {
		ch := f.prefetch(ctx, 0, int64(b.N))
		for range b.N {
			if got := <-ch; got.err != nil {
				b.Fatal(got.err)
			}
			time.Sleep(work)
		}
	})
	b.Run("sequential", func(b *testing.B) {
		for i := range b.N {
			if _, err := f.fetch(ctx, int64(i)); err != nil {
				b.Fatal(err)
			}
			time.Sleep(work)
		}
	})
}
