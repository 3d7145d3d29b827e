// Package objective holds ndalab's training objectives as gorgonia node
// builders (for use in backend graphs) and as plain float64 functions (for
// tests and reference values):
//
//   - the GAN losses with Negative Data Augmentation (Sinha et al., ICLR
//     2021), hinge and non-saturating: NDA samples enter the discriminator
//     loss as extra fakes with weight 1-λ;
//   - InfoNCE whose denominators also hold each anchor's NDA negatives,
//     with an optional MoCo-style momentum encoder and queue.
//
// Objectives only consume what they are given: negatives and views come
// from augmentation plugins through the runner.
package objective
