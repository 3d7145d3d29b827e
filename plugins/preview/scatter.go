package preview

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/ndalab/ndalab/core"
)

// Series colours of a scatter plot, in order: real points, then negatives.
var palette = []color.RGBA{
	{R: 90, G: 170, B: 255, A: 255},
	{R: 255, G: 90, B: 70, A: 255},
	{R: 120, G: 220, B: 120, A: 255},
}

// Scatter plots batches of 2-D points (N×2×1×1) over [-extent, extent]² on
// a size×size image, one colour per batch (blue, red, green), with the
// axes in grey.
func Scatter(series []*core.Batch, extent float64, size int) (*image.RGBA, error) {
	if extent <= 0 || size < 16 {
		return nil, fmt.Errorf("%w: scatter: extent %v and size %d", core.ErrInvalidArgument,
			extent, size)
	}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: background}, image.Point{}, draw.Src)
	axis := color.RGBA{R: 90, G: 90, B: 90, A: 255}
	for i := range size {
		img.SetRGBA(i, size/2, axis)
		img.SetRGBA(size/2, i, axis)
	}
	toPixel := func(v float64) int { return int((v + extent) / (2 * extent) * float64(size-1)) }
	for k, b := range series {
		if [3]int(b.Shape[1:]) != [3]int{2, 1, 1} {
			return nil, fmt.Errorf("%w: scatter: series %d holds %v samples, want points 2×1×1",
				core.ErrInvalidArgument, k, b.Shape[1:])
		}
		col := palette[k%len(palette)]
		for i := range b.N() {
			px, py := toPixel(float64(b.Data[2*i])), toPixel(-float64(b.Data[2*i+1]))
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if image.Pt(px+dx, py+dy).In(img.Bounds()) {
						img.SetRGBA(px+dx, py+dy, col)
					}
				}
			}
		}
	}
	return img, nil
}
