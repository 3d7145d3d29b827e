// Package dcgan is the "dcgan" model plugin: a DCGAN-style generator and
// discriminator for 1- or 3-channel images of 28 or 32 pixels, trained with
// the hinge loss and negative data augmentation (Sinha et al. 2021):
//
//	L_D = E[relu(1 - D(x))] + λ·E[relu(1 + D(G(z)))] + (1-λ)·E[relu(1 + D(NDA(x)))]
//	L_G = -E[D(G(z))]
//
// with one discriminator pass over real, fake and negative images stacked.
// It may be class-conditional (conditional batch norm in G, a projection
// discriminator), use spectral norm in D, and keep an EMA of G.
//
// At 28×28×1, width 64, z 64, unconditional, it is layer for layer the
// PyTorch reference in shared/peers/torch_dcgan_mnist.py:
//
//	G: z → linear 6272 → BN1d → ReLU → 128×7×7 → up2 → conv3×3 64 → BN → ReLU
//	   → up2 → conv3×3 1 → tanh
//	D: conv4×4/2 64 → lrelu(0.2) → conv4×4/2 128 → lrelu(0.2) → linear 1
//
// trained with Adam(2e-4, 0.5, 0.999); parity_test.go checks losses and
// gradients against PyTorch on the same weights.
//
// The hot path runs on core/backend/kernels through the hand-written layers
// of core/backend/nn rather than on gorgonia graphs: the
// benchmark (ndalab bench gan) must keep up with PyTorch on two cores, and
// the generic graph path spends its time in transposes and element-wise
// kernels. Every layer's backward pass is gradient-checked; parameters,
// Adam and checkpoints are the backend's own. Two measured choices: each
// upsampling and the 3×3 convolution after it run as one layer on the small
// image (kernels.Up2Conv3, under half the products), and D runs
// data-parallel, one replica of its layers per worker (D has no batch norm,
// so samples are independent).
//
// The training loop (NDA hinge loss, keyed noise, the fake batch shared by
// the D and G steps of one global step) is plugins/model/internal/gan's.
package dcgan
