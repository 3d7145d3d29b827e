package positive

import (
	"math"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
)

// cropTries is how many boxes a random resized crop draws before it falls
// back to the centred box of the nearest allowed aspect ratio.
const cropTries = 10

func cropOp() op {
	return op{
		name: "crop",
		doc:  "random resized crop: a box of random area and aspect, scaled back to H×W",
		params: []core.Param{
			{Name: "scale_min", Type: core.TypeFloat, Default: 0.08, Min: core.Bound(0.01),
				Max: core.Bound(1),
				Doc: "smallest box area, as a fraction of the image"},
			{Name: "scale_max", Type: core.TypeFloat, Default: 1.0, Min: core.Bound(0.01),
				Max: core.Bound(1),
				Doc: "largest box area, as a fraction of the image"},
			{Name: "ratio_min", Type: core.TypeFloat, Default: 0.75, Min: core.Bound(0.1),
				Max: core.Bound(10),
				Doc: "smallest box aspect (width/height)"},
			{Name: "ratio_max", Type: core.TypeFloat, Default: 4.0 / 3, Min: core.Bound(0.1),
				Max: core.Bound(10),
				Doc: "largest box aspect (width/height)"},
		},
		apply: func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int) {
			y0, x0, bh, bw := cropBox(r, cfg, h, w)
			resample(img, c, h, w, y0, x0, bh, bw)
		},
	}
}

// cropBox draws a box as torchvision's RandomResizedCrop does: area and
// log-aspect uniform, retried until it fits, else the whole image clipped
// to the allowed aspect range.
func cropBox(r *rand.Rand, cfg core.Config, h, w int) (y0, x0, bh, bw float64) {
	smin, smax := cfg.Float("scale_min"), max(cfg.Float("scale_min"), cfg.Float("scale_max"))
	rmin, rmax := cfg.Float("ratio_min"), max(cfg.Float("ratio_min"), cfg.Float("ratio_max"))
	area := float64(h * w)
	for range cropTries {
		a := area * (smin + (smax-smin)*r.Float64())
		ratio := math.Exp(math.Log(rmin) + (math.Log(rmax)-math.Log(rmin))*r.Float64())
		bw, bh = math.Round(math.Sqrt(a*ratio)), math.Round(math.Sqrt(a/ratio))
		if bw >= 1 && bh >= 1 && bw <= float64(w) && bh <= float64(h) {
			return float64(r.IntN(h - int(bh) + 1)), float64(r.IntN(w - int(bw) + 1)), bh, bw
		}
	}
	bh, bw = float64(h), float64(w)
	switch aspect := bw / bh; {
	case aspect < rmin:
		bh = math.Round(bw / rmin)
	case aspect > rmax:
		bw = math.Round(bh * rmax)
	}
	return (float64(h) - bh) / 2, (float64(w) - bw) / 2, bh, bw
}

// resample replaces img by the bilinear scaling of its box (y0, x0, bh, bw)
// to h×w, sampling at pixel centres.
func resample(img []float32, c, h, w int, y0, x0, bh, bw float64) {
	src := append([]float32(nil), img...)
	ys, yt := taps(h, y0, bh)
	xs, xt := taps(w, x0, bw)
	for k := range c {
		p := src[k*h*w : (k+1)*h*w]
		for y := range h {
			r0, r1 := p[ys[y]*w:], p[min(ys[y]+1, h-1)*w:]
			ty := yt[y]
			dst := img[k*h*w+y*w : k*h*w+(y+1)*w]
			for x := range dst {
				i0, i1, tx := xs[x], min(xs[x]+1, w-1), xt[x]
				top := r0[i0] + (r0[i1]-r0[i0])*tx
				bot := r1[i0] + (r1[i1]-r1[i0])*tx
				dst[x] = top + (bot-top)*ty
			}
		}
	}
}

// taps returns, for each of n output pixels along one axis, the first
// source index and the weight of the next, for a box of length size at
// offset start, sampled at pixel centres and clamped to the image.
func taps(n int, start, size float64) ([]int, []float32) {
	idx, wt := make([]int, n), make([]float32, n)
	scale := size / float64(n)
	for i := range n {
		f := max(0, min(float64(n-1), start+(float64(i)+0.5)*scale-0.5))
		j := int(f)
		idx[i], wt[i] = j, float32(f-float64(j))
	}
	return idx, wt
}
