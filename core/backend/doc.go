// Package backend is ndalab's compute backend on gorgonia: devices (cpu, and
// cuda with the cuda build tag), the BLAS choice (OpenBLAS with the openblas
// build tag, gonum's pure-Go BLAS otherwise; the onednn tag moves the eager
// kernels' GEMM to oneDNN, see package kernels), layers, Adam, EMA and
// checkpoints. It is the one place besides model plugins that imports
// gorgonia.
//
// # Parameters and graphs
//
// A model registers its tensors in a Params (weights and state such as
// batch-norm statistics and spectral-norm vectors). Layers hold *Param
// pointers; applying a layer in a Graph binds the live tensors, so the
// D-step graph, the G-step graph and an evaluation graph share weights
// without copying, and an optimiser step made in place is seen by all.
// Build each graph once, Compile it once, and Run it every step.
//
// Tensors are N×C×H×W, float32 for models (float64 is accepted for
// gradient checks). Hot operations (convolution, linear, channel bias and
// scale, activations, batch-norm normalisation) are custom gorgonia Ops.
//
// # A training step
//
//	ps := backend.NewParams("D", tensor.Float32, seed)
//	conv := backend.NewConv2d(ps, "conv1", backend.ConvConfig{In: 1, Out: 64,
//		Kernel: 4, Stride: 2, Pad: 1, SpectralNorm: true})
//	head := backend.NewLinear(ps, "head", backend.LinearConfig{In: 64 * 14 * 14, Out: 1})
//	opt, _ := backend.NewAdam(ps, backend.AdamConfig{LR: 2e-4, Beta1: 0, Beta2: 0.999, Eps: 1e-8})
//
//	g, _ := backend.NewGraph(backend.GraphOptions{
//		Mode: backend.Mode{Train: true, PowerIteration: true}})
//	x := g.Input("x", n, 1, 28, 28)
//	h, _ := conv.Forward(g, x.Node)
//	h, _ = backend.LeakyReLU(h, 0.2)
//	score, _ := head.Forward(g, h)
//	loss := ... // a scalar node, e.g. from package objective
//	_ = g.Compile(loss, ps.Trainable()...)
//
//	for step := range steps {
//		_ = x.Set(batch.Data)
//		_ = g.Run()
//		grads, _ := g.Grads()
//		_ = opt.Step(grads)
//	}
//
// # GAN steps
//
// There is no detach: the D step feeds G's output into the D graph as a
// value (run a forward-only G graph, copy its output into the D graph's
// fake input); the G step builds D again in the G graph (binding the same D
// tensors) and asks only for G's gradients, so it runs against the updated
// D. Spectral-norm vectors advance once per D update: only the D-step graph
// sets Mode.PowerIteration.
package backend
