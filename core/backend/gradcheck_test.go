package backend

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gradient-check settings: central differences in float64.
const (
	fdStep = 1e-6
	// fdTol bounds |analytic - numeric| / max(1, |analytic|, |numeric|).
	fdTol = 1e-6
	// fdSamples is how many entries of each tensor are checked.
	fdSamples = 12
)

// builder adds a layer (or loss) to g, reading its inputs from params of ps
// (so their gradients are checked too), and returns its output node.
type builder func(g *Graph, ps *Params) (*gorgonia.Node, error)

// checkGradients compares the gradient of sum(out ⊙ R), R fixed and random,
// with central finite differences, for every trainable tensor of ps. A
// scalar output is used as the loss directly.
func checkGradients(t *testing.T, ps *Params, mode Mode, build builder) {
	t.Helper()
	g, err := NewGraph(GraphOptions{Dtype: tensor.Float64, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	out, err := build(g, ps)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	loss := out
	if !out.IsScalar() {
		r := tensor.New(tensor.WithShape(out.Shape()...),
			tensor.WithBacking(randFloats(rand.New(rand.NewPCG(7, 7)), out.Shape().TotalSize())))
		weights := gorgonia.NewTensor(g.Expr(), tensor.Float64, out.Dims(),
			gorgonia.WithShape(out.Shape()...), gorgonia.WithValue(r), gorgonia.WithName("R"))
		loss = gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, weights))))
	}
	wrt := ps.Trainable()
	if err := g.Compile(loss, wrt...); err != nil {
		t.Fatal(err)
	}

	value := func() float64 {
		t.Helper()
		if err := g.Run(); err != nil {
			t.Fatal(err)
		}
		v, err := Scalar(loss)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	value()
	grads, err := g.Grads()
	if err != nil {
		t.Fatal(err)
	}
	analytic := make([][]float64, len(grads))
	for i, gr := range grads {
		analytic[i] = Float64s(gr.G)
	}

	pick := rand.New(rand.NewPCG(1, 2))
	for i, p := range wrt {
		data := p.Value.Float64s()
		idx := pick.Perm(len(data))
		if len(idx) > fdSamples {
			idx = idx[:fdSamples]
		}
		for _, j := range idx {
			orig := data[j]
			data[j] = orig + fdStep
			up := value()
			data[j] = orig - fdStep
			down := value()
			data[j] = orig
			num := (up - down) / (2 * fdStep)
			a := analytic[i][j]
			scale := math.Max(1, math.Max(math.Abs(a), math.Abs(num)))
			if math.Abs(a-num)/scale > fdTol {
				t.Errorf("%s[%d]: analytic %.9g, numeric %.9g", p.Name, j, a, num)
			}
		}
	}
}

func randFloats(r *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64()
	}
	return out
}

// inputParam registers a trainable input tensor drawn N(0,1).
func inputParam(ps *Params, name string, shape ...int) *Param {
	return ps.Weight(name, Normal(1), shape...)
}

func TestGradLayers(t *testing.T) {
	// Layer weights drawn N(0, 0.5) rather than 0.02, so every term of the
	// gradient has a size the check can see.
	wide := Normal(0.5)
	tests := []struct {
		name  string
		mode  Mode
		build builder
	}{
		{"linear", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 5)
			l := NewLinear(ps, "l", LinearConfig{In: 5, Out: 3, Init: wide})
			SetFloat64s(l.B.Value, randFloats(rand.New(rand.NewPCG(3, 3)), 3))
			return l.Forward(g, g.Param(x))
		}},
		{"linear/spectral", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 5)
			l := NewLinear(ps, "l", LinearConfig{In: 5, Out: 3, SpectralNorm: true, Init: wide})
			return l.Forward(g, g.Param(x))
		}},
		{"conv/s1p1", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 2, 3, 5, 5)
			c := NewConv2d(ps, "c", ConvConfig{In: 3, Out: 4, Kernel: 3, Pad: 1, Init: wide})
			return c.Forward(g, g.Param(x))
		}},
		{"conv/s2p1", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 3, 2, 6, 7)
			c := NewConv2d(ps, "c", ConvConfig{In: 2, Out: 3, Kernel: 4, Stride: 2, Pad: 1, Init: wide})
			return c.Forward(g, g.Param(x))
		}},
		{"conv/spectral", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 2, 2, 4, 4)
			c := NewConv2d(ps, "c", ConvConfig{In: 2, Out: 3, Kernel: 3, Pad: 1,
				SpectralNorm: true, Init: wide})
			return c.Forward(g, g.Param(x))
		}},
		{"conv/fused-leaky", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 2, 2, 4, 4)
			c := NewConv2d(ps, "c", ConvConfig{In: 2, Out: 3, Kernel: 3, Pad: 1, Init: wide,
				Act: ActLeakyReLU, Slope: 0.2})
			SetFloat64s(c.B.Value, []float64{0.3, -0.2, 0.1})
			return c.Forward(g, g.Param(x))
		}},
		{"linear/fused-tanh", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 5)
			l := NewLinear(ps, "l", LinearConfig{In: 5, Out: 3, Init: wide, Act: ActTanh})
			SetFloat64s(l.B.Value, []float64{0.3, -0.2, 0.1})
			return l.Forward(g, g.Param(x))
		}},
		{"linear/fused-relu", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 5)
			l := NewLinear(ps, "l", LinearConfig{In: 5, Out: 3, Init: wide, Act: ActReLU})
			SetFloat64s(l.B.Value, []float64{0.3, -0.2, 0.1})
			return l.Forward(g, g.Param(x))
		}},
		{"convtranspose", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 2, 3, 3, 4)
			c := NewConvTranspose2d(ps, "c", ConvConfig{In: 3, Out: 2, Kernel: 4, Stride: 2, Pad: 1,
				Init: wide})
			return c.Forward(g, g.Param(x))
		}},
		{"batchnorm/train", Mode{Train: true}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 3, 2, 2)
			bn := NewBatchNorm(ps, "bn", 3)
			SetFloat64s(bn.Gamma.Value, []float64{0.5, -1.5, 2})
			SetFloat64s(bn.Beta.Value, []float64{0.1, 0.2, -0.3})
			return bn.Forward(g, g.Param(x))
		}},
		{"batchnorm/train2d", Mode{Train: true}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 5, 3)
			bn := NewBatchNorm(ps, "bn", 3)
			return bn.Forward(g, g.Param(x))
		}},
		{"batchnorm/eval", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 3, 2, 2)
			bn := NewBatchNorm(ps, "bn", 3)
			SetFloat64s(bn.Mean.Value, []float64{0.3, -0.2, 1})
			SetFloat64s(bn.Var.Value, []float64{0.5, 2, 1.5})
			return bn.Forward(g, g.Param(x))
		}},
		{"cbn/train", Mode{Train: true}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 4, 3, 2, 2)
			cbn := NewConditionalBatchNorm(ps, "cbn", 3, 5)
			SetFloat64s(cbn.Gain.W.Value, randFloats(rand.New(rand.NewPCG(4, 4)), 15))
			SetFloat64s(cbn.Bias.W.Value, randFloats(rand.New(rand.NewPCG(5, 5)), 15))
			return cbn.Forward(g, g.Param(x), labelsNode(g, 0, 4, 4, 2))
		}},
		{"embedding", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			e := NewEmbedding(ps, "e", 4, 3, wide)
			return e.Forward(g, labelsNode(g, 3, 1, 3, 0, 2))
		}},
		{"relu", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return ReLU(g.Param(inputParam(ps, "x", 3, 4)))
		}},
		{"leakyrelu", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return LeakyReLU(g.Param(inputParam(ps, "x", 3, 2, 2, 2)), 0.2)
		}},
		{"tanh", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return Tanh(g.Param(inputParam(ps, "x", 3, 4)))
		}},
		{"upsample2", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return Upsample2(g.Param(inputParam(ps, "x", 2, 2, 3, 2)))
		}},
		{"avgpool2", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return AvgPool2(g.Param(inputParam(ps, "x", 2, 2, 4, 6)))
		}},
		{"sumpool2", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return SumPool2(g.Param(inputParam(ps, "x", 2, 2, 4, 2)))
		}},
		{"globalsumpool", Mode{}, func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return GlobalSumPool(g.Param(inputParam(ps, "x", 2, 3, 3, 2)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := NewParams("T", tensor.Float64, 11)
			checkGradients(t, ps, tt.mode, tt.build)
		})
	}
}

// labelsNode adds an input holding the given class indices.
func labelsNode(g *Graph, labels ...int32) *gorgonia.Node {
	in := g.Input("labels", len(labels))
	if err := in.SetLabels(labels); err != nil {
		panic(err)
	}
	return in.Node
}
