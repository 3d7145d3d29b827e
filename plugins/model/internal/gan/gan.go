// Package gan is the training loop the built-in GAN model plugins share
// (dcgan, mlp-gan, biggan32): the NDA D and G steps (hinge or non-saturating
// loss, from core/objective), keyed noise, generation, scoring, embedding
// and checkpoints, over any generator and discriminator built from the
// layers of core/backend/nn.
//
// One D step followed by one G step at the same global step use the same
// noise z, as the PyTorch reference does (it reuses the fake batch): the G
// step reuses the generator's forward pass from the D step instead of
// running it again, which is exact because G does not change in between.
package gan

import (
	"github.com/ndalab/ndalab/core/backend/nn"
)

// Generator maps noise to samples with hand-written backward passes.
type Generator interface {
	// Net holds the generator's tensors (named "G").
	Net() *nn.Net
	// Forward returns n samples (owned by the generator until its next
	// Forward) from z (n×ZDim); train selects batch statistics; labels
	// drive conditional layers and are nil when unconditional.
	Forward(n int, z []float32, labels []int32, train bool) []float32
	// Backward adds the gradients of every tensor from dy, the gradient at
	// the last training Forward's output; it may overwrite dy.
	Backward(dy []float32)
}

// Discriminator maps samples to raw logits.
type Discriminator interface {
	// Net holds the discriminator's tensors (named "D").
	Net() *nn.Net
	// Forward returns n logits (owned by the discriminator).
	Forward(n int, x []float32, labels []int32) []float32
	// Features returns the n×FeatDim features of the last Forward, the
	// input of the final linear layer.
	Features() []float32
	// Backward takes the loss gradient at the logits; needW adds D's
	// gradients, needX returns the gradient at the input (else nil).
	Backward(dlogits []float32, needX, needW bool) []float32
	// UpdateSpectralNorm runs one power iteration in every normalised
	// layer; the trainer calls it once per D update.
	UpdateSpectralNorm()
}

// Spec is what the trainer needs to know of a model.
type Spec struct {
	Component string // "model/<name>", for errors and keyed randomness
	Sample    [3]int // C, H, W of one sample
	ZDim      int
	Classes   int // 0: unconditional
	FeatDim   int // length of Discriminator.Features per sample

	Optim
}

// sampleSize is C·H·W.
func (s Spec) sampleSize() int { return s.Sample[0] * s.Sample[1] * s.Sample[2] }
