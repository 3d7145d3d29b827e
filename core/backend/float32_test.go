package backend

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// f32Tol bounds |float32 - float64| / max(1, |float64|) for outputs and
// gradients: float32 rounding over sums of a few hundred terms.
const f32Tol = 1e-4

// forwardBackward builds one graph of the given dtype, runs it once and
// returns the output and the gradient of sum(out ⊙ R) for every trainable
// tensor of ps.
func forwardBackward(t *testing.T, ps *Params, build builder) ([]float64, [][]float64) {
	t.Helper()
	g, err := NewGraph(GraphOptions{Dtype: ps.Dtype()})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	out, err := build(g, ps)
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.New(tensor.Of(ps.Dtype()), tensor.WithShape(out.Shape()...))
	SetFloat64s(r, randFloats(rand.New(rand.NewPCG(7, 7)), out.Shape().TotalSize()))
	weights := gorgonia.NewTensor(g.Expr(), ps.Dtype(), out.Dims(),
		gorgonia.WithShape(out.Shape()...), gorgonia.WithValue(r), gorgonia.WithName("R"))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, weights))))
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	y, err := Float32s(out)
	if err != nil {
		t.Fatal(err)
	}
	ys := make([]float64, len(y))
	for i, v := range y {
		ys[i] = float64(v)
	}
	grads, err := g.Grads()
	if err != nil {
		t.Fatal(err)
	}
	var gs [][]float64
	for _, gr := range grads {
		gs = append(gs, Float64s(gr.G))
	}
	return ys, gs
}

// TestFloat32KernelsMatchFloat64 holds the float32 ops, which run on
// core/backend/kernels, to the float64 loops that the gradient checks
// verify.
func TestFloat32KernelsMatchFloat64(t *testing.T) {
	conv := func(n, c, h, w int, cfg ConvConfig) builder {
		return func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", n, c, h, w)
			return NewConv2d(ps, "c", cfg).Forward(g, g.Param(x))
		}
	}
	tests := []struct {
		name  string
		build builder
	}{
		{"conv/3x3", conv(3, 4, 8, 8, ConvConfig{In: 4, Out: 6, Kernel: 3, Pad: 1, Init: Normal(0.3)})},
		{"conv/4x4s2", conv(5, 3, 14, 14, ConvConfig{In: 3, Out: 8, Kernel: 4, Stride: 2, Pad: 1,
			Init: Normal(0.3)})},
		{"conv/1x1", conv(2, 5, 3, 3, ConvConfig{In: 5, Out: 2, Kernel: 1, Init: Normal(0.3)})},
		{"conv/fused-leaky", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 3, 4, 6, 6)
			c := NewConv2d(ps, "c", ConvConfig{In: 4, Out: 5, Kernel: 3, Pad: 1, Init: Normal(0.3),
				Act: ActLeakyReLU, Slope: 0.2})
			SetFloat64s(c.B.Value, []float64{0.3, -0.2, 0.1, 0, 0.5})
			return c.Forward(g, g.Param(x))
		}},
		{"linear/fused-tanh", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 6, 10)
			l := NewLinear(ps, "l", LinearConfig{In: 10, Out: 4, Init: Normal(0.3), Act: ActTanh})
			SetFloat64s(l.B.Value, []float64{0.3, -0.2, 0.1, 0})
			return l.Forward(g, g.Param(x))
		}},
		{"convtranspose", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 3, 4, 5, 5)
			c := NewConvTranspose2d(ps, "c", ConvConfig{In: 4, Out: 3, Kernel: 4, Stride: 2, Pad: 1,
				Init: Normal(0.3)})
			return c.Forward(g, g.Param(x))
		}},
		{"linear", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			x := inputParam(ps, "x", 7, 33)
			return NewLinear(ps, "l", LinearConfig{In: 33, Out: 9, Init: Normal(0.3)}).Forward(g, g.Param(x))
		}},
		{"upsample2", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return Upsample2(g.Param(inputParam(ps, "x", 2, 3, 4, 5)))
		}},
		{"sumpool2", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return SumPool2(g.Param(inputParam(ps, "x", 2, 3, 4, 6)))
		}},
		{"relu", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return ReLU(g.Param(inputParam(ps, "x", 4, 50)))
		}},
		{"leakyrelu", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return LeakyReLU(g.Param(inputParam(ps, "x", 4, 50)), 0.2)
		}},
		{"tanh", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return Tanh(g.Param(inputParam(ps, "x", 4, 50)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p32 := NewParams("T", tensor.Float32, 21)
			y32, g32 := forwardBackward(t, p32, tt.build)

			// The float64 set starts from the float32 values exactly.
			p64 := NewParams("T", tensor.Float64, 21)
			var once bool
			build64 := func(g *Graph, ps *Params) (*gorgonia.Node, error) {
				out, err := tt.build(g, ps)
				if !once {
					for _, p := range ps.All() {
						SetFloat64s(p.Value, Float64s(p32.Get(p.Name).Value))
					}
					once = true
				}
				return out, err
			}
			y64, g64 := forwardBackward(t, p64, build64)

			compare := func(what string, a, b []float64) {
				t.Helper()
				if len(a) != len(b) {
					t.Fatalf("%s: %d float32 values, %d float64", what, len(a), len(b))
				}
				for i := range a {
					if math.Abs(a[i]-b[i])/math.Max(1, math.Abs(b[i])) > f32Tol {
						t.Fatalf("%s[%d]: float32 %g, float64 %g", what, i, a[i], b[i])
					}
				}
			}
			compare("output", y32, y64)
			for i, p := range p32.Trainable() {
				compare("grad "+p.Name, g32[i], g64[i])
			}
		})
	}
}
