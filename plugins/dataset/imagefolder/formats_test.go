package imagefolder

import (
	"context"
	"image"
	"image/color"
	"image/color/palette"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/core"
)

// TestImageFormats decodes the colour models PNG and JPEG files come in:
// grey JPEG, paletted PNG, 16-bit PNG, and transparent pixels (black).
func TestImageFormats(t *testing.T) {
	root := t.TempDir()
	write := func(name string, img image.Image) {
		t.Helper()
		p := filepath.Join(root, "c", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if filepath.Ext(name) == ".jpg" {
			err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
		} else {
			err = png.Encode(f, img)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	grey := image.NewGray(image.Rect(0, 0, 10, 10))
	pal := image.NewPaletted(image.Rect(0, 0, 10, 10), palette.Plan9)
	deep := image.NewRGBA64(image.Rect(0, 0, 10, 10))
	clear := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	for y := range 10 {
		for x := range 10 {
			grey.SetGray(x, y, color.Gray{Y: 200})
			pal.Set(x, y, color.RGBA{R: 255, A: 255})
			deep.SetRGBA64(x, y, color.RGBA64{G: 0xffff, A: 0xffff})
			clear.SetNRGBA(x, y, color.NRGBA{R: 255, G: 255, B: 255, A: 0})
		}
	}
	write("a-grey.jpg", grey)
	write("b-paletted.png", pal)
	write("c-deep.png", deep)
	write("d-clear.png", clear)

	cfg := core.Config{"root": root, "size": 8, "test_fraction": 0, "shuffle": false}
	b, err := New().Batch(context.Background(), core.BatchRequest{Config: cfg, Split: core.SplitTrain, Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]float32{
		{200/127.5 - 1, 200/127.5 - 1, 200/127.5 - 1},
		{1, -1, -1},
		{-1, 1, -1},
		{-1, -1, -1},
	}
	for i, w := range want {
		s := b.Sample(i)
		for c := range 3 {
			if d := s[c*64+27] - w[c]; d > 0.03 || d < -0.03 {
				t.Errorf("image %d channel %d: %v, want %v", i, c, s[c*64+27], w[c])
			}
		}
	}
}
