package imageset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

// ramp is a set of n 1×1×2 samples: sample i holds bytes (i, 255-i), label i%3.
func ramp(t *testing.T, n int) *Set {
	t.Helper()
	px := make([]uint8, 2*n)
	lab := make([]int32, n)
	for i := range n {
		px[2*i], px[2*i+1], lab[i] = uint8(i), uint8(255-i), int32(i%3)
	}
	s, err := NewSet([3]int{1, 1, 2}, px, lab, Meta{Classes: 3, Checksum: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func selection(t *testing.T, cfg core.Config) Selection {
	t.Helper()
	d := &core.Descriptor{Kind: core.KindDataset, Name: "test", Version: "1", Params: Params()}
	resolved, err := d.Resolve(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := SelectionFrom(d.ID(), resolved, 3)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// epoch returns the first byte of every sample of an epoch, in order.
func epoch(t *testing.T, s *Server, src Source, sel Selection, seed int64, ep, size int) []int {
	t.Helper()
	var out []int
	for i := 0; ; i++ {
		b, err := s.Batch(context.Background(), src, sel,
			core.BatchRequest{Split: core.SplitTrain, Seed: seed, Epoch: ep, Index: i, Size: size})
		if err != nil {
			break
		}
		for j := range b.N() {
			v := int(b.Sample(j)[0]*127.5 + 127.5 + 0.5)
			if got := b.Sample(j)[1]; got != float32(255-v)/127.5-1 {
				t.Fatalf("sample %d: second value %v does not match the first", v, got)
			}
			if b.Labels[j] != int32(v%3) {
				t.Fatalf("sample %d has label %d", v, b.Labels[j])
			}
			out = append(out, v)
		}
	}
	return out
}

func TestEpochsAreShuffledPermutations(t *testing.T) {
	src := ramp(t, 50)
	s := NewServer("dataset/test")
	sel := selection(t, nil)
	a := epoch(t, s, src, sel, 1, 0, 8)
	b := epoch(t, s, src, sel, 1, 1, 8)
	c := epoch(t, NewServer("dataset/test"), src, sel, 1, 0, 8)
	if len(a) != 50 || !slices.Equal(a, c) || slices.Equal(a, b) {
		t.Fatalf("epoch 0 %v, epoch 1 %v, epoch 0 again %v", a, b, c)
	}
	sorted := slices.Sorted(slices.Values(a))
	for i, v := range sorted {
		if v != i {
			t.Fatalf("epoch does not hold every sample once: %v", sorted)
		}
	}
	unshuffled := epoch(t, s, src, selection(t, core.Config{"shuffle": false}), 1, 0, 8)
	if !slices.IsSorted(unshuffled) {
		t.Fatalf("shuffle=false gave %v", unshuffled)
	}
}

func TestClassesAndSubset(t *testing.T) {
	src := ramp(t, 60)
	s := NewServer("dataset/test")
	sel := selection(t, core.Config{"classes": "2", "subset": 7, "subset_seed": 4})
	got := epoch(t, s, src, sel, 9, 0, 3)
	if len(got) != 7 {
		t.Fatalf("subset of 7 gave %d samples", len(got))
	}
	for _, v := range got {
		if v%3 != 2 {
			t.Fatalf("sample %d of class %d passed the filter", v, v%3)
		}
	}
	// The subset depends on subset_seed, not on the training seed.
	other := epoch(t, s, src, sel, 10, 0, 3)
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(other))) {
		t.Fatalf("subset changed with the training seed: %v vs %v", got, other)
	}
	sel2 := selection(t, core.Config{"classes": "2", "subset": 7, "subset_seed": 5})
	if third := epoch(t, s, src, sel2, 9, 0, 3); slices.Equal(slices.Sorted(slices.Values(got)),
		slices.Sorted(slices.Values(third))) {
		t.Fatal("another subset_seed gave the same subset")
	}
	if info := s.Info(src, sel); info.Size != 7 || info.Classes != 3 {
		t.Fatalf("info %+v", info)
	}
}

func TestBadRequests(t *testing.T) {
	src := ramp(t, 10)
	s := NewServer("dataset/test")
	sel := selection(t, nil)
	for _, req := range []core.BatchRequest{{Size: 0}, {Size: 4, Index: -1}, {Size: 4, Index: 3},
		{Size: 4, Epoch: -1}} {
		if _, err := s.Batch(context.Background(), src, sel, req); !errors.Is(err,
			core.ErrInvalidArgument) {
			t.Errorf("request %+v: %v", req, err)
		}
	}
	d := &core.Descriptor{Kind: core.KindDataset, Name: "test", Version: "1", Params: Params()}
	cfg, _ := d.Resolve(core.Config{"classes": "3"})
	if _, err := SelectionFrom(d.ID(), cfg, 3); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("class 3 of 3: %v", err)
	}
	if _, err := NewSet([3]int{1, 1, 2}, make([]uint8, 4), []int32{0, 5},
		Meta{Classes: 3}); err == nil {
		t.Error("label 5 of 3 classes accepted")
	}
}

func TestCacheFollowsFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("a"), 0o644)
	var c Cache
	loads := 0
	load := func() (Source, error) { loads++; return ramp(t, 1), nil }
	c.Get([]string{path}, "", load)
	c.Get([]string{path}, "", load)
	c.Get([]string{path}, "other", load)
	later := time.Now().Add(time.Hour)
	os.Chtimes(path, later, later)
	c.Get([]string{path}, "", load)
	if loads != 3 {
		t.Fatalf("%d loads, want 3 (first, another tag, a changed file)", loads)
	}
	if _, err := c.Get([]string{path + "-missing"}, "", load); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
}
