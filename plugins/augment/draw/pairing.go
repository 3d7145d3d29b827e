package draw

import "github.com/ndalab/ndalab/core"

// PairingParam declares the "pairing" parameter of the augmentations that
// combine two images (stitch, mixup, cutmix).
func PairingParam() core.Param {
	return core.Param{
		Name: "pairing", Type: core.TypeString, Default: PairDerangement,
		Enum: []string{PairDerangement, PairPermutation},
		Doc: "derangement: every image meets another; permutation: one non-identity " +
			"batch permutation as in the paper's code, so an image may meet itself",
	}
}
