package positive

import (
	"math/rand/v2"

	"github.com/ndalab/ndalab/core"
)

// Luminance weights of ITU-R BT.601, as PIL and torchvision use.
const lumR, lumG, lumB = 0.299, 0.587, 0.114

func jitterOp() op {
	return op{
		name: "jitter", doc: "brightness and contrast jitter by random factors, with probability p",
		params: []core.Param{
			{Name: "brightness", Type: core.TypeFloat, Default: 0.4, Min: core.Bound(0),
				Max: core.Bound(1),
				Doc: "brightness factor drawn from [1-b, 1+b]"},
			{Name: "contrast", Type: core.TypeFloat, Default: 0.4, Min: core.Bound(0),
				Max: core.Bound(1),
				Doc: "contrast factor drawn from [1-c, 1+c]"},
			probability(0.8, "chance that an image is jittered"),
		},
		apply: func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int) {
			// Draw both factors whether or not the image is jittered, so the
			// stream of every other image does not depend on p.
			apply := r.Float64() < cfg.Float("p")
			b := float32(1 + cfg.Float("brightness")*(2*r.Float64()-1))
			k := float32(1 + cfg.Float("contrast")*(2*r.Float64()-1))
			if !apply {
				return
			}
			// In [0, 1]: brightness scales, contrast blends with the mean
			// grey level; each step clips, as torchvision does.
			// The mean grey level is linear in the channel means, so the
			// brightness pass gathers them on the way.
			half := b / 2
			plane := h * w
			var sums [3]float64
			for ch := range c {
				var sum float32
				p := img[ch*plane : (ch+1)*plane]
				for i, v := range p {
					p[i] = unit((v + 1) * half)
					sum += p[i]
				}
				sums[min(ch, 2)] += float64(sum)
			}
			mean := float32((sums[0] + sums[1] + sums[2]) / float64(c*plane))
			if c == 3 {
				mean = float32((lumR*sums[0] + lumG*sums[1] + lumB*sums[2]) / float64(plane))
			}
			for i, v := range img {
				img[i] = 2*unit((v-mean)*k+mean) - 1
			}
		},
	}
}

func grayscaleOp() op {
	return op{
		name:   "grayscale",
		doc:    "RGB to grey (kept as 3 equal channels) with probability p; grey images pass",
		params: []core.Param{probability(0.2, "chance that an image loses its colour")},
		apply: func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int) {
			if r.Float64() >= cfg.Float("p") || c != 3 {
				return
			}
			plane := h * w
			for j := range plane {
				g := lumR*img[j] + lumG*img[plane+j] + lumB*img[2*plane+j]
				img[j], img[plane+j], img[2*plane+j] = g, g, g
			}
		},
	}
}

// unit clips v to [0, 1].
func unit(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
