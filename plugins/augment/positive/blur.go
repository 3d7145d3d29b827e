package positive

import (
	"math"
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
)

func blurOp() op {
	return op{
		name: "blur",
		doc:  "Gaussian blur of random sigma with probability p (separable, edges repeated)",
		params: []core.Param{
			{Name: "kernel", Type: core.TypeInt, Default: 3, Min: core.Bound(3),
				Max: core.Bound(31),
				Doc: "kernel side in pixels, odd (SimCLR: about 10% of the image side)"},
			{Name: "sigma_min", Type: core.TypeFloat, Default: 0.1, Min: core.Bound(0.01),
				Max: core.Bound(100),
				Doc: "smallest sigma in pixels"},
			{Name: "sigma_max", Type: core.TypeFloat, Default: 2.0, Min: core.Bound(0.01),
				Max: core.Bound(100),
				Doc: "largest sigma in pixels"},
			probability(0.5, "chance that an image is blurred"),
		},
		apply: func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int) {
			apply := r.Float64() < cfg.Float("p")
			lo, hi := cfg.Float("sigma_min"), max(cfg.Float("sigma_min"), cfg.Float("sigma_max"))
			sigma := lo + (hi-lo)*r.Float64()
			if !apply {
				return
			}
			k := cfg.Int("kernel") | 1 // an even kernel grows to the next odd side
			weights := gaussian(k, sigma)
			tmp := make([]float32, h*w)
			for ch := range c {
				plane := img[ch*h*w : (ch+1)*h*w]
				convolve(tmp, plane, weights, h, w, 1, w) // along rows
				convolve(plane, tmp, weights, w, h, w, 1) // along columns
			}
		},
	}
}

// gaussian returns k normalised taps of a Gaussian of the given sigma.
func gaussian(k int, sigma float64) []float32 {
	out := make([]float32, k)
	var sum float64
	for i := range k {
		d := float64(i - k/2)
		v := math.Exp(-d * d / (2 * sigma * sigma))
		out[i] = float32(v)
		sum += v
	}
	for i := range out {
		out[i] /= float32(sum)
	}
	return out
}

// convolve filters src into dst along one axis: lines of length n spaced by
// lineStride, samples within a line spaced by step; edges repeat.
func convolve(dst, src []float32, wt []float32, lines, n, step, lineStride int) {
	half := len(wt) / 2
	for l := range lines {
		base := l * lineStride
		for i := range n {
			var s float32
			if i >= half && i+half < n {
				// Interior: no clamping.
				at := base + (i-half)*step
				for _, v := range wt {
					s += v * src[at]
					at += step
				}
			} else {
				for t, v := range wt {
					j := max(0, min(n-1, i+t-half))
					s += v * src[base+j*step]
				}
			}
			dst[base+i*step] = s
		}
	}
}
