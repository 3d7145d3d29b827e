// Package draw holds the random draws the augmentation plugins share: Beta
// and Gamma variates (Marsaglia-Tsang), non-identity permutations and the
// partner pairing of a batch. Every function takes its *rand.Rand from the
// caller, which keys it with core.NewRand.
package draw

import (
	"math"
	"math/rand/v2"
)

// Gamma returns a Gamma(shape, 1) variate by Marsaglia and Tsang's method
// (2000); shapes below 1 use the boost Gamma(a) = Gamma(a+1)·U^(1/a).
// shape must be positive.
func Gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := r.Float64()
		return Gamma(r, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// Beta returns a Beta(a, b) variate as X/(X+Y) with X ~ Gamma(a),
// Y ~ Gamma(b). a and b must be positive.
func Beta(r *rand.Rand, a, b float64) float64 {
	x := Gamma(r, a)
	y := Gamma(r, b)
	if x+y == 0 { // both underflowed: only possible for tiny shapes
		if r.IntN(2) == 0 {
			return 0
		}
		return 1
	}
	return x / (x + y)
}

// NonIdentityPerm returns a uniformly drawn permutation of n elements other
// than the identity, by rejection. n must be at least 2.
func NonIdentityPerm(r *rand.Rand, n int) []int {
	for {
		p := r.Perm(n)
		for i, v := range p {
			if i != v {
				return p
			}
		}
	}
}

// Derangement returns a uniformly drawn permutation of n elements with no
// fixed point, by rejection (about e tries on average). n must be at least 2.
func Derangement(r *rand.Rand, n int) []int {
	for {
		p := r.Perm(n)
		fixed := false
		for i, v := range p {
			if i == v {
				fixed = true
				break
			}
		}
		if !fixed {
			return p
		}
	}
}

// The pairing modes of Partners.
const (
	// PairDerangement pairs every image with a different one.
	PairDerangement = "derangement"
	// PairPermutation uses one non-identity permutation of the batch, as the
	// paper's code does; an image may be paired with itself.
	PairPermutation = "permutation"
)

// Partners returns, for a batch of n images, the index of each image's
// partner under mode. A batch of one image is paired with itself, since
// there is no other.
func Partners(r *rand.Rand, n int, mode string) []int {
	if n < 2 {
		return make([]int, n)
	}
	if mode == PairPermutation {
		return NonIdentityPerm(r, n)
	}
	return Derangement(r, n)
}
