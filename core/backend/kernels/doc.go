// Package kernels holds the raw compute kernels behind ndalab's hot paths:
// single-precision GEMM, 2-D convolution in N×C×H×W layout (forward,
// backward-data, backward-weights), fused bias + activation, nearest ×2
// upsampling, linear layers and batch normalisation. Every kernel works on
// plain []float32 slices that the caller owns; none allocates a buffer per
// call once its scratch has grown, and none imports gorgonia, so the backend
// can wrap them in custom gorgonia Ops and model plugins can call them
// directly.
//
// Convolutions take one of two paths. Stride-2 layers and layers that widen
// (K ≥ C) use im2col into BLAS, several small images side by side per
// product. Stride-1 layers that narrow (K < C, as in a generator) use the
// shift method (conv_shift.go), whose scratch is K·KH·KW rows instead of
// C·KH·KW. GEMM is most of a step (BenchmarkSgemm prints its GFLOP/s on
// the reference model's shapes); the copies around it (im2col, col2im,
// batch norm) are the rest.
//
// GEMM goes through cgo to oneDNN's sgemm with the `onednn` build tag
// (libdnnl-dev), else to OpenBLAS with the `openblas` tag
// (libopenblas-dev), else to gonum's pure-Go BLAS. On this project's
// development machine one core ran oneDNN at ~200 GFLOP/s, OpenBLAS 0.3.21
// at ~100 and gonum at ~5. The convolution kernels parallelise over images
// themselves, with a small fixed worker count, so the BLAS is held to one
// thread per call: two levels of threading on two cores only fight.
//
// Shapes are row-major throughout. A kernel panics when slice lengths do not
// match the shapes it is given: that is a bug in the caller, never bad user
// input, which the layers above validate first.
package kernels
