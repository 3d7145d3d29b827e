package mnist

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
)

// dataRoot is a data directory holding fetched copies of the real files,
// shared by the tests of this package.
var dataRoot string

func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "ndalab-mnist-test")
	if err != nil {
		panic(err)
	}
	dataRoot = root
	code := m.Run()
	os.RemoveAll(root)
	os.Exit(code)
}

// fetched returns the data directory after fetching name into it.
func fetched(t testing.TB, name string) string {
	t.Helper()
	if name == "fashion-mnist" {
		if _, err := os.Stat("/usr/share/datasets/fashion-mnist"); err != nil {
			t.Skip("dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
		}
	}
	if _, err := datadir.Fetch(context.Background(), dataRoot, name); err != nil {
		t.Fatal(err)
	}
	return dataRoot
}

func TestRealSplits(t *testing.T) {
	tests := []struct {
		name       string
		ds         *Dataset
		split      core.Split
		size       int
		firstLabel int32 // of the unshuffled split
	}{
		{"mnist", New(), core.SplitTrain, 60000, 5},
		{"mnist", New(), core.SplitTest, 10000, 7},
		{"fashion-mnist", NewFashion(), core.SplitTrain, 60000, 9},
		{"fashion-mnist", NewFashion(), core.SplitTest, 10000, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+string(tt.split), func(t *testing.T) {
			ctx := context.Background()
			cfg := core.Config{"data_dir": fetched(t, tt.name), "shuffle": false}
			info, err := tt.ds.Info(ctx, cfg, tt.split)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != tt.size || info.Shape != [3]int{1, 28, 28} || info.Classes != 10 ||
				len(info.Checksum) != len("sha256:")+64 {
				t.Fatalf("info %+v", info)
			}
			b, err := tt.ds.Batch(ctx, core.BatchRequest{Config: cfg, Split: tt.split, Size: 500})
			if err != nil {
				t.Fatal(err)
			}
			if b.Labels[0] != tt.firstLabel {
				t.Errorf("first label %d, want %d", b.Labels[0], tt.firstLabel)
			}
			lo, hi := slices.Min(b.Data), slices.Max(b.Data)
			if lo != -1 || hi != 1 {
				t.Errorf("values in [%v, %v], want exactly [-1, 1] over 500 images", lo, hi)
			}
			if err := b.Validate(); err != nil || b.Shape != [4]int{500, 1, 28, 28} {
				t.Fatalf("batch %v: %v", b.Shape, err)
			}
		})
	}
}

func TestMNISTClassCounts(t *testing.T) {
	// The published per-digit counts of MNIST's training split.
	want := []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	ds := New()
	cfg := core.Config{"data_dir": fetched(t, "mnist")}
	for digit, n := range want {
		cfg["classes"] = []string{string(rune('0' + digit))}
		info, err := ds.Info(context.Background(), cfg, core.SplitTrain)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != n {
			t.Errorf("digit %d: %d samples, want %d", digit, info.Size, n)
		}
	}
}

func TestBatchesDeterministicAndShuffled(t *testing.T) {
	ctx := context.Background()
	ds := New()
	cfg := core.Config{"data_dir": fetched(t, "mnist"), "classes": "3,1", "subset": 1000}
	req := core.BatchRequest{Config: cfg, Split: core.SplitTrain, Seed: 7, Epoch: 2, Index: 3,
		Size: 64}

	a, err := ds.Batch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New().Batch(ctx, req) // a fresh process-like instance
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, b.Data) || !slices.Equal(a.Labels, b.Labels) {
		t.Fatal("the same request gave different batches")
	}
	for _, l := range a.Labels {
		if l != 1 && l != 3 {
			t.Fatalf("label %d passed the class filter {1, 3}", l)
		}
	}

	req.Epoch = 3
	c, err := ds.Batch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Data, c.Data) {
		t.Fatal("epochs 2 and 3 gave the same batch")
	}

	// One epoch covers the subset exactly once: 1000 = 15 full batches + 40.
	seen := map[string]bool{}
	for i := 0; ; i++ {
		req.Index = i
		b, err := ds.Batch(ctx, req)
		if err != nil {
			if i != 16 {
				t.Fatalf("batch %d: %v", i, err)
			}
			break
		}
		if i == 15 && b.N() != 40 {
			t.Fatalf("last batch has %d samples, want 40", b.N())
		}
		for j := range b.N() {
			seen[string(f32bytes(b.Sample(j)))] = true
		}
	}
	if len(seen) < 990 { // a few MNIST digits are exact duplicates at most
		t.Fatalf("an epoch showed %d distinct images of 1000", len(seen))
	}
}

func f32bytes(v []float32) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte((x + 1) * 127.5)
	}
	return out
}

func TestMissingFilesSayHowToFetch(t *testing.T) {
	_, err := New().Info(context.Background(), core.Config{"data_dir": t.TempDir()},
		core.SplitTrain)
	want := []string{"ndalab data fetch mnist", "train-images-idx3-ubyte.gz", "looked in"}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Fatalf("error %v: want it to mention %q", err, w)
		}
	}
}

func TestBadConfig(t *testing.T) {
	ctx := context.Background()
	dir := fetched(t, "mnist")
	bad := []core.Config{
		{"data_dir": dir, "classes": "10"},
		{"data_dir": dir, "classes": "x"},
		{"data_dir": dir, "subset": -1},
		{"data_dir": dir, "bogus": 1},
	}
	for _, cfg := range bad {
		if _, err := New().Info(ctx, cfg, core.SplitTrain); err == nil {
			t.Errorf("config %v: no error", cfg)
		}
	}
	if _, err := New().Info(ctx, core.Config{"data_dir": dir}, "validation"); err == nil {
		t.Error("unknown split: no error")
	}
	req := core.BatchRequest{Config: core.Config{"data_dir": dir}, Split: core.SplitTest,
		Size: 64, Index: 157}
	if _, err := New().Batch(ctx, req); err == nil {
		t.Error("batch past the end: no error")
	}
}

func BenchmarkLoadTrain(b *testing.B) {
	dir := filepath.Join(fetched(b, "mnist"), "mnist")
	for b.Loop() {
		s, err := Load(filepath.Join(dir, "train-images-idx3-ubyte.gz"),
			filepath.Join(dir, "train-labels-idx1-ubyte.gz"), New().classNames)
		if err != nil || s.Len() != 60000 {
			b.Fatal(s, err)
		}
	}
}

func BenchmarkBatch64(b *testing.B) {
	ds := New()
	cfg := core.Config{"data_dir": fetched(b, "mnist")}
	ctx := context.Background()
	if _, err := ds.Info(ctx, cfg, core.SplitTrain); err != nil { // decode outside the timing
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		req := core.BatchRequest{Config: cfg, Split: core.SplitTrain, Seed: 1, Index: i % 900,
			Size: 64}
		if _, err := ds.Batch(ctx, req); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
