package backend

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkConvOp times the reference D's second convolution (64→128,
// 4×4, stride 2, pad 1, batch 192 at 14×14) through the custom ops:
// forward, input gradient and filter gradient, as one GAN step needs. The
// figure to compare is the raw kernels' (core/backend/kernels); the
// difference is the ops' output allocation.
func BenchmarkConvOp(b *testing.B) {
	const n = 192
	r := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(tensor.WithShape(n, 64, 14, 14), tensor.WithBacking(randFloat32s(r, n*64*14*14)))
	w := tensor.New(tensor.WithShape(128, 64, 4, 4), tensor.WithBacking(randFloat32s(r, 128*64*16)))
	dy := tensor.New(tensor.WithShape(n, 128, 7, 7), tensor.WithBacking(randFloat32s(r, n*128*49)))
	k := &convKernel{}
	fwd := convOp{convGeom: convGeom{Stride: 2, Pad: 1}, k: k}
	dx := convGradOp{convGeom: fwd.convGeom, wrt: 0, shape: x.Shape(), k: k}
	dw := convGradOp{convGeom: fwd.convGeom, wrt: 1, shape: w.Shape(), k: k}
	for b.Loop() {
		if _, err := fwd.Do(x, w); err != nil {
			b.Fatal(err)
		}
		if _, err := dx.Do(w, dy); err != nil {
			b.Fatal(err)
		}
		if _, err := dw.Do(x, dy); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
}

// BenchmarkDStepGraph times one D step of a DCGAN-style discriminator for
// 28×28 images (conv 1→64 s2, leaky ReLU, conv 64→128 s2, batch norm,
// leaky ReLU, linear to a score), batch 64 and a hinge-like loss, through
// a compiled graph: gorgonia's machine plus the custom ops.
func BenchmarkDStepGraph(b *testing.B) {
	const n = 64
	ps := NewParams("D", tensor.Float32, 1)
	c1 := NewConv2d(ps, "c1", ConvConfig{In: 1, Out: 64, Kernel: 4, Stride: 2, Pad: 1})
	c2 := NewConv2d(ps, "c2", ConvConfig{In: 64, Out: 128, Kernel: 4, Stride: 2, Pad: 1})
	bn := NewBatchNorm(ps, "bn", 128)
	head := NewLinear(ps, "head", LinearConfig{In: 128 * 7 * 7, Out: 1})
	opt, err := NewAdam(ps, AdamConfig{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		b.Fatal(err)
	}
	g, err := NewGraph(GraphOptions{Mode: Mode{Train: true}})
	if err != nil {
		b.Fatal(err)
	}
	x := g.Input("x", n, 1, 28, 28)
	h := must(c1.Forward(g, x.Node))
	h = must(LeakyReLU(h, 0.2))
	h = must(c2.Forward(g, h))
	h = must(bn.Forward(g, h))
	h = must(LeakyReLU(h, 0.2))
	score := must(head.Forward(g, h))
	loss := must(gorgonia.Mean(must(ReLU(score))))
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		b.Fatal(err)
	}
	if err := x.Set(randFloat32s(rand.New(rand.NewPCG(2, 2)), n*28*28)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := g.Run(); err != nil {
			b.Fatal(err)
		}
		grads, err := g.Grads()
		if err != nil {
			b.Fatal(err)
		}
		if err := opt.Step(grads); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
}

func must(n *gorgonia.Node, err error) *gorgonia.Node {
	if err != nil {
		panic(err)
	}
	return n
}

func randFloat32s(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}
