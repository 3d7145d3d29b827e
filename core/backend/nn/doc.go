// Package nn holds the backend's eager layers: linear, convolution,
// up-sampling convolution, batch norm (plain and class-conditional) and
// spectral norm, each a forward and a hand-written backward pass over the
// kernels of core/backend/kernels, and each gradient-checked by finite
// differences in its tests. Every built-in model plugin trains with them;
// a model plugin of one's own, written in Go, can too.
//
// Why eager: a GAN step on two cores is dominated by convolutions, and a
// gorgonia graph, even of the backend's custom ops, allocates every output
// and cannot run a network data-parallel over slices of a batch. The eager
// passes run the products straight on the kernels, fuse bias and
// activation, and allocate nothing once their buffers have grown. The
// backend's graph layers compute the same things on the same kernels, for
// models composed with gorgonia's automatic differentiation; a test holds
// the two to agree.
//
// What stays shared with the backend: every tensor a layer registers lives
// in a backend.Params (float32), initialised from (seed, set name,
// parameter name) exactly as graph layers are, and Net.Grads hands the
// gradients to the backend's Adam, so optimiser, EMA and checkpoints are
// the backend's. ComputeParams and ComputeOf declare and read the device
// and worker count a model computes with.
//
// Layer protocol. Forward(n, x) returns an output buffer the layer owns,
// valid until its next Forward; the layer keeps a reference to x, which the
// caller must leave untouched until Backward. Backward(dy, ...) may
// overwrite dy, adds to the parameters' gradients and returns the input
// gradient in a buffer the layer owns. A layer serves one goroutine.
package nn
