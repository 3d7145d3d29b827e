package preview

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestSheetLayout(t *testing.T) {
	a := core.NewBatch(3, 3, 4, 5)
	for i := range a.Data {
		a.Data[i] = 1 // white
	}
	b := core.NewBatch(3, 3, 4, 5)
	for i := range b.Data {
		b.Data[i] = -1 // black
	}
	img, err := Sheet([]*core.Batch{a, b}, Options{N: 2, Scale: 2, Gap: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 2 images of 10 px plus 3 gaps; 2 rows of 8 px plus 3 gaps.
	if got := img.Bounds().Size(); got.X != 23 || got.Y != 19 {
		t.Fatalf("sheet size %v, want 23×19", got)
	}
	if c := img.RGBAAt(1, 1); c.R != 255 || c.G != 255 {
		t.Errorf("first row pixel %v, want white", c)
	}
	if c := img.RGBAAt(1, 10); c.R != 0 || c.B != 0 {
		t.Errorf("second row pixel %v, want black", c)
	}
	if c := img.RGBAAt(0, 0); c != background {
		t.Errorf("gap pixel %v, want the background", c)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Fatal(err)
	}
}

func TestSheetRejectsMismatch(t *testing.T) {
	if _, err := Sheet([]*core.Batch{core.NewBatch(2, 1, 4, 4), core.NewBatch(2, 1, 5, 5)},
		Options{}); err == nil {
		t.Error("rows of different shapes: no error")
	}
	if _, err := Sheet([]*core.Batch{core.NewBatch(2, 2, 4, 4)}, Options{}); err == nil {
		t.Error("two channels: no error")
	}
	if _, err := Sheet([]*core.Batch{core.NewBatch(2, 1, 4, 4)}, Options{N: 3}); err == nil {
		t.Error("N beyond the batch: no error")
	}
}

func TestScatter(t *testing.T) {
	p := core.NewBatch(1, 2, 1, 1)
	p.Data[0], p.Data[1] = 0.5, 0.5
	img, err := Scatter([]*core.Batch{p}, 1, 101)
	if err != nil {
		t.Fatal(err)
	}
	if c := img.RGBAAt(75, 25); c != palette[0] {
		t.Errorf("point at (0.5, 0.5) painted %v at (75, 25), want %v", c, palette[0])
	}
	if _, err := Scatter([]*core.Batch{core.NewBatch(1, 1, 28, 28)}, 1, 100); err == nil {
		t.Error("images as points: no error")
	}
}
