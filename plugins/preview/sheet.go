// Package preview draws batches as PNG contact sheets, so that a person can
// look at what a data set serves and what an augmentation makes of it:
// images in a grid, one batch per row, or 2-D points as a scatter plot.
package preview

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"github.com/ndalab/ndalab/core"
)

// Options set the look of a sheet. Zero values pick the defaults.
type Options struct {
	// N is how many images of each batch to draw (default: all of the
	// first batch).
	N int
	// Scale is the integer zoom of each pixel (default: enough to make
	// images at least 64 px high).
	Scale int
	// Gap is the space between images in screen pixels (default 2).
	Gap int
}

// background fills the gaps between images.
var background = color.RGBA{R: 40, G: 40, B: 40, A: 255}

// Sheet draws rows[r]'s first N images in row r. Every batch must hold
// images of one shape with 1 or 3 channels, values in [-1, 1] (clipped).
func Sheet(rows []*core.Batch, opts Options) (*image.RGBA, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: preview sheet: no batches", core.ErrInvalidArgument)
	}
	shape := rows[0].Shape
	c, h, w := shape[1], shape[2], shape[3]
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("%w: preview sheet: %d channels (want 1 or 3)",
			core.ErrInvalidArgument, c)
	}
	n := opts.N
	if n <= 0 {
		n = rows[0].N()
	}
	for i, b := range rows {
		if err := b.Validate(); err != nil {
			return nil, fmt.Errorf("preview sheet: row %d: %w", i, err)
		}
		if [3]int(b.Shape[1:]) != [3]int(shape[1:]) || b.N() < n {
			return nil, fmt.Errorf("%w: preview sheet: row %d is %v, want at least %d of %v",
				core.ErrInvalidArgument, i, b.Shape, n, shape[1:])
		}
	}
	scale := opts.Scale
	if scale <= 0 {
		scale = max(1, (64+h-1)/h)
	}
	gap := opts.Gap
	if gap <= 0 {
		gap = 2
	}

	cellW, cellH := w*scale+gap, h*scale+gap
	img := image.NewRGBA(image.Rect(0, 0, n*cellW+gap, len(rows)*cellH+gap))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: background}, image.Point{}, draw.Src)
	for r, b := range rows {
		for i := range n {
			drawSample(img, b.Sample(i), c, h, w, scale, gap+i*cellW, gap+r*cellH)
		}
	}
	return img, nil
}

// drawSample paints one C×H×W sample with its top-left corner at (x0, y0).
func drawSample(img *image.RGBA, s []float32, c, h, w, scale, x0, y0 int) {
	plane := h * w
	for y := range h {
		for x := range w {
			var px color.RGBA
			v := byteOf(s[y*w+x])
			px = color.RGBA{R: v, G: v, B: v, A: 255}
			if c == 3 {
				px.G, px.B = byteOf(s[plane+y*w+x]), byteOf(s[2*plane+y*w+x])
			}
			for dy := range scale {
				for dx := range scale {
					img.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, px)
				}
			}
		}
	}
}

// byteOf maps [-1, 1] to [0, 255], clipping.
func byteOf(v float32) uint8 {
	f := (v + 1) * 127.5
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= 255:
		return 255
	}
	return uint8(f + 0.5)
}

// WritePNG encodes img as PNG.
func WritePNG(w io.Writer, img image.Image) error {
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("encode png: %w", err)
	}
	return nil
}
