// Package nn holds the layers the built-in model plugins train with: linear,
// convolution, batch norm (plain and class-conditional) and spectral norm,
// each with a hand-written backward pass over the
// raw kernels of core/backend/kernels, and each gradient-checked by finite
// differences in its tests.
//
// Why not gorgonia graphs: a GAN step on two cores is dominated by
// convolutions, and gorgonia's generic path spends more time in transposes,
// iterators and element-wise kernels than in the products themselves. The
// hand-written passes run the products straight on the kernels, fuse bias
// and activation, and allocate nothing once their buffers have grown.
//
// What stays shared with the backend: every tensor a layer registers lives in
// a backend.Params (float32), initialised from (seed, set name, parameter
// name) exactly as backend layers are, and Net.Grads hands the gradients to
// the backend's Adam, so optimiser and checkpoints are the backend's. EMA
// mirrors backend.EMA (same semantics, same checkpoint tensors) in float32.
//
// Layer protocol. Forward(n, x) returns an output buffer the layer owns,
// valid until its next Forward; the layer keeps a reference to x, which the
// caller must leave untouched until Backward. Backward(dy, ...) may
// overwrite dy, adds to the parameters' gradients and returns the input
// gradient in a buffer the layer owns. A layer serves one goroutine.
package nn
