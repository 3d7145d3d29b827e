package imagefolder

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// writeImage writes a w×h image painted by paint(x, y) as PNG or JPEG
// (by extension).
func writeImage(t *testing.T, path string, w, h int, paint func(x, y int) color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, paint(x, y))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func solid(c color.RGBA) func(x, y int) color.RGBA { return func(int, int) color.RGBA { return c } }

var (
	red   = color.RGBA{R: 255, A: 255}
	green = color.RGBA{G: 255, A: 255}
	blue  = color.RGBA{B: 255, A: 255}
)

// stripes is 64×32: red, green over the centre square, blue.
func stripes(x, y int) color.RGBA {
	switch {
	case x < 16:
		return red
	case x < 48:
		return green
	}
	return blue
}

func TestResizeAndCentreCrop(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "train", "a", "wide.png"), 64, 32, stripes)
	writeImage(t, filepath.Join(root, "train", "b", "red.jpg"), 50, 70, solid(red))
	writeImage(t, filepath.Join(root, "test", "b", "blue.png"), 8, 8, solid(blue))
	cfg := core.Config{"root": root, "size": 16, "shuffle": false}

	info, err := New().Info(ctx, cfg, core.SplitTrain)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 2 || info.Shape != [3]int{3, 16,
		16} || info.Classes != 2 || info.ClassNames[1] != "b" {
		t.Fatalf("info %+v", info)
	}
	b, err := New().Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain, Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The wide image's centre square is all green; the JPEG is red within
	// JPEG's error.
	want := [][3]float32{{-1, 1, -1}, {1, -1, -1}}
	for i, w := range want {
		s := b.Sample(i)
		for c := range 3 {
			for _, j := range []int{0, 7*16 + 8, 255} {
				if d := s[c*256+j] - w[c]; d > 0.05 || d < -0.05 {
					t.Fatalf("image %d channel %d pixel %d = %v, want %v", i, c, j, s[c*256+j],
						w[c])
				}
			}
		}
	}
	if !slices.Equal(b.Labels, []int32{0, 1}) {
		t.Fatalf("labels %v", b.Labels)
	}

	// Grey: the luminance of pure blue.
	cfg["channels"] = 1
	test, err := New().Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTest, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantGrey := float32(color.GrayModel.Convert(blue).(color.Gray).Y)/127.5 - 1
	if test.Shape != [4]int{1, 1, 16, 16} || test.Data[0] != wantGrey || test.Labels[0] != 1 {
		t.Fatalf("grey test batch %v %v %v, want value %v label 1", test.Shape, test.Data[0],
			test.Labels, wantGrey)
	}
}

func TestHashedSplit(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	for c := range 3 {
		for i := range 40 {
			writeImage(t, filepath.Join(root, fmt.Sprint("class", c), fmt.Sprint(i, ".png")), 4, 4,
				solid(color.RGBA{R: uint8(i), A: 255}))
		}
	}
	cfg := core.Config{"root": root, "size": 4, "test_fraction": 0.25}
	train, err := New().Info(ctx, cfg, core.SplitTrain)
	if err != nil {
		t.Fatal(err)
	}
	test, err := New().Info(ctx, cfg, core.SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	if train.Size+test.Size != 120 || test.Size < 15 || test.Size > 45 {
		t.Fatalf("train %d + test %d, want 120 with about 30 in test", train.Size, test.Size)
	}
	if again, _ := New().Info(ctx, cfg,
		core.SplitTest); again.Size != test.Size || again.Checksum != test.Checksum {
		t.Fatal("the hashed split is not stable")
	}
}

func TestBadFolders(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		cfg   core.Config
		want  string
	}{
		{"missing root", func(t *testing.T, root string) { os.Remove(root) }, nil, "root"},
		{"empty root", func(t *testing.T, root string) {}, nil, "has no class sub-folders"},
		{"class without images", func(t *testing.T, root string) {
			os.MkdirAll(filepath.Join(root, "cat"), 0o755)
			os.WriteFile(filepath.Join(root, "cat", "notes.txt"), []byte("x"), 0o644)
		}, nil, "holds no PNG or JPEG files"},
		{"garbage image", func(t *testing.T, root string) {
			os.MkdirAll(filepath.Join(root, "cat"), 0o755)
			os.WriteFile(filepath.Join(root, "cat", "broken.png"), []byte("not a png"), 0o644)
		}, nil, "broken.png: not a readable PNG or JPEG"},
		{"wrong size", func(t *testing.T, root string) {
			writeImage(t, filepath.Join(root, "cat", "big.png"), 40, 30, solid(red))
		}, core.Config{"resize": false}, "big.png: image is 40×30, want 32×32"},
		{"test class unknown", func(t *testing.T, root string) {
			writeImage(t, filepath.Join(root, "train", "cat", "a.png"), 4, 4, solid(red))
			writeImage(t, filepath.Join(root, "test", "dog", "a.png"), 4, 4, solid(red))
		}, nil, "has no counterpart"},
		{"two channels", func(t *testing.T, root string) {
			writeImage(t, filepath.Join(root, "cat", "a.png"), 4, 4, solid(red))
		}, core.Config{"channels": 2}, "channels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "images")
			os.MkdirAll(root, 0o755)
			tt.setup(t, root)
			cfg := core.Config{"root": root}
			for k, v := range tt.cfg {
				cfg[k] = v
			}
			_, err := New().Info(ctx, cfg, core.SplitTrain)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v: want one containing %q", err, tt.want)
			}
			if !errors.Is(err, core.ErrInvalidArgument) && !errors.Is(err, core.ErrNotFound) {
				t.Fatalf("error %v has no core kind", err)
			}
		})
	}
	if _, err := New().Info(ctx, core.Config{}, core.SplitTrain); !errors.Is(err,
		core.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "root") {
		t.Fatalf("no root: %v", err)
	}
}
