package mnist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/idx"
)

// writeIDX writes a as an IDX file, gzip-compressed when path ends in .gz.
func writeIDX(t *testing.T, path string, a *idx.Array) {
	t.Helper()
	var buf bytes.Buffer
	if err := idx.Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func images(n, side int) *idx.Array {
	a := &idx.Array{Dims: []int{n, side, side}, Data: make([]uint8, n*side*side)}
	for i := range a.Data {
		a.Data[i] = uint8(i)
	}
	return a
}

func labels(n int, max uint8) *idx.Array {
	a := &idx.Array{Dims: []int{n}, Data: make([]uint8, n)}
	for i := range a.Data {
		a.Data[i] = uint8(i) % max
	}
	return a
}

func TestLoadGenerated(t *testing.T) {
	for _, ext := range []string{"", ".gz"} {
		dir := t.TempDir()
		img, lab := filepath.Join(dir, "i"+ext), filepath.Join(dir, "l"+ext)
		writeIDX(t, img, images(12, 28))
		writeIDX(t, lab, labels(12, 10))
		s, err := Load(img, lab, New().classNames)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]uint8, 784)
		s.Pixels(11, buf)
		if s.Len() != 12 || s.Label(11) != 1 || buf[0] != byte(11*784%256) {
			t.Fatalf("%s: %d samples, label %d, first byte %d", ext, s.Len(), s.Label(11), buf[0])
		}
	}
}

func TestLoadBadFiles(t *testing.T) {
	tests := []struct {
		name           string
		images, labels func(t *testing.T, path string)
		bad            string // "images" or "labels": the file the error must name
		want           string
	}{
		{"labels as images",
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			"images", "magic number 0x00000801, want 0x00000803"},
		{"images as labels",
			func(t *testing.T, p string) { writeIDX(t, p, images(5, 28)) },
			func(t *testing.T, p string) { writeIDX(t, p, images(5, 28)) },
			"labels", "magic number 0x00000803, want 0x00000801"},
		{"not idx",
			func(t *testing.T, p string) { os.WriteFile(p, []byte("GIF89a......"), 0o644) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			"images", "bad magic number"},
		{"truncated images",
			func(t *testing.T, p string) {
				writeIDX(t, p, images(5, 28))
				data, _ := os.ReadFile(p)
				os.WriteFile(p, data[:len(data)-300], 0o644)
			},
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			"images", "truncated"},
		{"count mismatch",
			func(t *testing.T, p string) { writeIDX(t, p, images(5, 28)) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(6, 10)) },
			"labels", "holds 5 images but"},
		{"wrong image size",
			func(t *testing.T, p string) { writeIDX(t, p, images(5, 32)) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			"images", "images are 32×32, want 28×28"},
		{"label out of range",
			func(t *testing.T, p string) { writeIDX(t, p, images(12, 28)) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(12, 12)) },
			"labels", "label 10 of sample 10"},
		{"unreadable",
			func(t *testing.T, p string) { os.Mkdir(p, 0o755) },
			func(t *testing.T, p string) { writeIDX(t, p, labels(5, 10)) },
			"images", "read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := map[string]string{
				"images": filepath.Join(dir, "train-images-idx3-ubyte"),
				"labels": filepath.Join(dir, "train-labels-idx1-ubyte"),
			}
			tt.images(t, paths["images"])
			tt.labels(t, paths["labels"])
			_, err := Load(paths["images"], paths["labels"], New().classNames)
			if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(),
				paths[tt.bad]) ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v: want ErrInvalidArgument naming %s and %q", err, paths[tt.bad],
					tt.want)
			}
		})
	}
}

func TestRawFilesFound(t *testing.T) {
	// Uncompressed files are found when no .gz copy exists.
	root := t.TempDir()
	dir := filepath.Join(root, "mnist")
	os.MkdirAll(dir, 0o755)
	writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), images(3, 28))
	writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), labels(3, 10))
	info, err := New().Info(t.Context(), core.Config{"data_dir": root}, core.SplitTest)
	if err != nil || info.Size != 3 {
		t.Fatalf("info %+v, %v", info, err)
	}
}
