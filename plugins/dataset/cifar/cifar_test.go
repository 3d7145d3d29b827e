package cifar

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

// record builds one record whose pixels encode (file, index, channel):
// every byte of channel c is (seed + 3*i + c) mod 256.
func record(l Layout, labels []byte, seed, i int) []byte {
	r := append([]byte{}, labels...)
	for c := range 3 {
		v := byte(seed + 3*i + c)
		for range 1024 {
			r = append(r, v)
		}
	}
	return r
}

// writeFile writes n records with labels from label(i) into path.
func writeFile(t *testing.T, path string, l Layout, n, seed int, label func(i int) []byte) {
	t.Helper()
	var data []byte
	for i := range n {
		data = append(data, record(l, label(i), seed, i)...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeCIFAR10 writes a small cifar-10-batches-bin: five train files of 7
// records and a test file of 5, labels i mod 10.
func fakeCIFAR10(t *testing.T) string {
	root := t.TempDir()
	dir := filepath.Join(root, "cifar10", "cifar-10-batches-bin")
	for f := 1; f <= 5; f++ {
		writeFile(t, filepath.Join(dir, "data_batch_"+string(rune('0'+f))+".bin"), layout10, 7,
			10*f,
			func(i int) []byte { return []byte{byte(i % 10)} })
	}
	writeFile(t, filepath.Join(dir, "test_batch.bin"), layout10, 5, 100,
		func(i int) []byte { return []byte{byte(i)} })
	names := "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
	if err := os.WriteFile(filepath.Join(dir, "batches.meta.txt"), []byte(names),
		0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestCIFAR10(t *testing.T) {
	ctx := context.Background()
	root := fakeCIFAR10(t)
	cfg := core.Config{"data_dir": root, "shuffle": false}
	info, err := New10().Info(ctx, cfg, core.SplitTrain)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 35 || info.Shape != [3]int{3, 32,
		32} || info.Classes != 10 || info.ClassNames[3] != "cat" {
		t.Fatalf("info %+v", info)
	}
	b, err := New10().Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain, Index: 1,
		Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Sample 10 overall is record 3 of data_batch_2 (seed 20).
	want := func(seed, i, c int) float32 { return float32(byte(seed+3*i+c))/127.5 - 1 }
	s := b.Sample(0)
	for c := range 3 {
		if got := s[c*1024+517]; got != want(20, 3, c) {
			t.Fatalf("channel %d: %v, want %v", c, got, want(20, 3, c))
		}
	}
	if b.Labels[0] != 3 {
		t.Fatalf("label %d, want 3", b.Labels[0])
	}

	test, err := New10().Info(ctx, cfg, core.SplitTest)
	if err != nil || test.Size != 5 || test.Checksum == info.Checksum {
		t.Fatalf("test split %+v, %v", test, err)
	}
	cfg["classes"] = "0,9"
	if f, _ := New10().Info(ctx, cfg, core.SplitTrain); f.Size != 5 {
		t.Fatalf("classes 0 and 9: %d samples, want 5 (one 0 per file, no 9)", f.Size)
	}
}

func TestCIFAR100Labels(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "cifar100", "cifar-100-binary")
	for _, f := range []string{"train.bin", "test.bin"} {
		writeFile(t, filepath.Join(dir, f), layout100Fine, 40, 1,
			func(i int) []byte { return []byte{byte(i % 20), byte(99 - i)} })
	}
	for _, tt := range []struct {
		label   string
		classes int
		first   int32
	}{{"fine", 100, 99}, {"coarse", 20, 0}} {
		cfg := core.Config{"data_dir": root, "label": tt.label, "shuffle": false}
		ds := New100()
		info, err := ds.Info(ctx, cfg, core.SplitTrain)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ds.Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain, Size: 40})
		if err != nil {
			t.Fatal(err)
		}
		if info.Classes != tt.classes || b.Labels[0] != tt.first || b.Labels[21] != int32(map[string]int{"fine": 78, "coarse": 1}[tt.label]) {
			t.Fatalf("%s: classes %d labels %v", tt.label, info.Classes, b.Labels)
		}
	}
	if _, err := New100().Info(ctx, core.Config{"data_dir": root, "label": "medium"},
		core.SplitTrain); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("label medium: %v", err)
	}
}

func TestChangedFileIsReread(t *testing.T) {
	ctx := context.Background()
	root := fakeCIFAR10(t)
	ds := New10()
	cfg := core.Config{"data_dir": root}
	before, _ := ds.Info(ctx, cfg, core.SplitTest)
	path := filepath.Join(root, "cifar10", "cifar-10-batches-bin", "test_batch.bin")
	writeFile(t, path, layout10, 5, 7, func(i int) []byte { return []byte{1} })
	later := time.Now().Add(time.Minute)
	os.Chtimes(path, later, later)
	after, err := ds.Info(ctx, cfg, core.SplitTest)
	if err != nil || after.Checksum == before.Checksum {
		t.Fatalf("checksum %s after rewriting the file, was %s (%v)", after.Checksum,
			before.Checksum, err)
	}
}

func TestBadFiles(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
		want  string
	}{
		{"truncated", func(t *testing.T, p string) {
			writeFile(t, p, layout10, 3, 0, func(int) []byte { return []byte{1} })
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-100], 0o644)
		}, "not a whole number of 3073-byte records"},
		{"empty", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o644) }, "empty file"},
		{"label out of range", func(t *testing.T, p string) {
			writeFile(t, p, layout10, 3, 0, func(i int) []byte { return []byte{byte(9 + i)} })
		}, "record 1: label byte 0 is 10"},
		{"cifar-100 file", func(t *testing.T, p string) {
			writeFile(t, p, layout100Fine, 3, 0, func(int) []byte { return []byte{1, 2} })
		}, "not a whole number"},
		{"directory", func(t *testing.T, p string) { os.Remove(p); os.Mkdir(p, 0o755) },
			"test_batch.bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeCIFAR10(t)
			path := filepath.Join(root, "cifar10", "cifar-10-batches-bin", "test_batch.bin")
			tt.write(t, path)
			_, err := New10().Info(ctx, core.Config{"data_dir": root}, core.SplitTest)
			if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), path) ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v: want ErrInvalidArgument naming %s and %q", err, path, tt.want)
			}
		})
	}
}

func TestMissingFiles(t *testing.T) {
	_, err := New10().Info(context.Background(), core.Config{"data_dir": t.TempDir()},
		core.SplitTrain)
	for _, w := range []string{"data_batch_1.bin", "cifar-10-binary.tar.gz", "looked in"} {
		if !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), w) {
			t.Fatalf("error %v: want ErrNotFound mentioning %q", err, w)
		}
	}
}

// FuzzDecode checks that no file content makes Decode panic, and that what
// it accepts has whole records with labels in range.
func FuzzDecode(f *testing.F) {
	f.Add(record(layout10, []byte{3}, 0, 0), false)
	f.Add(record(layout100Fine, []byte{3, 77}, 0, 0), true)
	f.Add([]byte{}, false)
	f.Add([]byte{10, 1, 2}, false)
	f.Add(slices.Repeat([]byte{255}, 3074), true)
	f.Fuzz(func(t *testing.T, data []byte, hundred bool) {
		l := layout10
		if hundred {
			l = layout100Fine
		}
		labels, err := Decode(data, l)
		if err != nil {
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("error %v is not ErrInvalidArgument", err)
			}
			return
		}
		if len(labels)*l.RecordSize() != len(data) {
			t.Fatalf("%d labels from %d bytes", len(labels), len(data))
		}
		for _, x := range labels {
			if x < 0 || int(x) >= l.Classes {
				t.Fatalf("label %d out of range", x)
			}
		}
	})
}

func BenchmarkBatch64(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "cifar10", "cifar-10-batches-bin")
	os.MkdirAll(dir, 0o755)
	var data []byte
	for i := range 2000 {
		data = append(data, record(layout10, []byte{byte(i % 10)}, 0, i)...)
	}
	for _, f := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
		"data_batch_4.bin", "data_batch_5.bin"} {
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	ds := New10()
	cfg := core.Config{"data_dir": root}
	ctx := context.Background()
	if _, err := ds.Info(ctx, cfg, core.SplitTrain); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := ds.Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain, Seed: 1,
			Index: i % 150, Size: 64}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
