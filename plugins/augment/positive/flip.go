package positive

import (
	"math/rand/v2"
	"slices"

	"github.com/ndalab/ndalab/core"
)

func flipOp() op {
	return op{
		name: "flip", doc: "horizontal flip with probability p, per image",
		params: []core.Param{probability(0.5, "chance that an image is mirrored")},
		apply: func(r *rand.Rand, cfg core.Config, img []float32, c, h, w int) {
			if r.Float64() >= cfg.Float("p") {
				return
			}
			for row := range c * h {
				slices.Reverse(img[row*w : (row+1)*w])
			}
		},
	}
}
