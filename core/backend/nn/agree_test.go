package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The eager layers and the backend's graph layers are two front-ends over
// the same maths. Each case below builds a layer both ways on the same
// weights, takes the loss Σ y⊙r for a random r, and holds the outputs, the
// input gradients and every weight gradient of the two to agree.

// eager is one eager layer: forward, then backward from dy with the input
// gradient returned.
type eager struct {
	forward  func(n int, x []float32) []float32
	backward func(dy []float32) []float32
}

// graphLayer builds the same layer in a graph.
type graphLayer func(g *backend.Graph, x *gorgonia.Node) (*gorgonia.Node, error)

// agreeCase is one layer built both ways; build registers the graph
// layer's tensors in ps.
type agreeCase struct {
	name   string
	xShape []int
	eager  func(net *nn.Net) eager
	graph  func(ps *backend.Params) graphLayer
}

// graphName maps a graph layer's tensor name to the eager layer's.
func graphName(name string) string {
	name = strings.Replace(name, ".sn_u", ".sn.u", 1)
	return strings.Replace(name, ".sn_v", ".sn.v", 1)
}

func TestEagerLayersAgreeWithGraphLayers(t *testing.T) {
	leaky := func(a kernels.Activation) float32 {
		if a == kernels.LeakyReLU {
			return 0.2
		}
		return 0
	}
	convCase := func(name string, s kernels.ConvShape, act kernels.Activation, gact backend.Activation, sn bool) agreeCase {
		return agreeCase{
			name: name, xShape: []int{3, s.C, s.H, s.W},
			eager: func(net *nn.Net) eager {
				c := nn.NewConv(net, "conv", s, true, 0.3).WithAct(act, leaky(act))
				if sn {
					c.WithSpectralNorm("conv.sn")
				}
				return eager{c.Forward, func(dy []float32) []float32 { return c.Backward(dy, true, true) }}
			},
			graph: func(ps *backend.Params) graphLayer {
				c := backend.NewConv2d(ps, "conv", backend.ConvConfig{In: s.C, Out: s.K,
					Kernel: s.KH, Stride: s.Stride, Pad: s.Pad, SpectralNorm: sn,
					Act: gact, Slope: float64(leaky(act))})
				return c.Forward
			},
		}
	}
	linearCase := func(name string, act kernels.Activation, gact backend.Activation, sn bool) agreeCase {
		const in, out = 7, 5
		return agreeCase{
			name: name, xShape: []int{4, in},
			eager: func(net *nn.Net) eager {
				l := nn.NewLinear(net, "fc", in, out, true, 0.3).WithAct(act, leaky(act))
				if sn {
					l.WithSpectralNorm("fc.sn")
				}
				return eager{l.Forward, func(dy []float32) []float32 { return l.Backward(dy, true, true) }}
			},
			graph: func(ps *backend.Params) graphLayer {
				l := backend.NewLinear(ps, "fc", backend.LinearConfig{In: in, Out: out,
					SpectralNorm: sn, Act: gact, Slope: float64(leaky(act))})
				return l.Forward
			},
		}
	}
	cases := []agreeCase{
		convCase("conv3x3 leaky", kernels.ConvShape{C: 3, H: 6, W: 6, K: 4, KH: 3, KW: 3,
			Stride: 1, Pad: 1}, kernels.LeakyReLU, backend.ActLeakyReLU, false),
		convCase("conv4x4/2 spectral", kernels.ConvShape{C: 2, H: 8, W: 8, K: 3, KH: 4, KW: 4,
			Stride: 2, Pad: 1}, kernels.Identity, backend.NoActivation, true),
		linearCase("linear relu", kernels.ReLU, backend.ActReLU, false),
		linearCase("linear spectral tanh", kernels.Tanh, backend.ActTanh, true),
		{
			name: "batch norm relu", xShape: []int{5, 3, 2, 2},
			eager: func(net *nn.Net) eager {
				bn := nn.NewBatchNorm(net, "bn", 3, 0).WithAct(kernels.ReLU)
				return eager{
					func(n int, x []float32) []float32 { return bn.Forward(n, 4, x, nil, true) },
					bn.Backward,
				}
			},
			graph: func(ps *backend.Params) graphLayer {
				bn := backend.NewBatchNorm(ps, "bn", 3)
				return func(g *backend.Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
					h, err := bn.Forward(g, x)
					if err != nil {
						return nil, err
					}
					return backend.ReLU(h)
				}
			},
		},
		upConvCase("up-sampling conv", false),
		upConvCase("spectral up-sampling conv", true),
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkAgreement(t, tc, uint64(i)) })
	}
}

// upConvCase holds nn.UpConv to the graph's upsampling then convolution.
func upConvCase(name string, sn bool) agreeCase {
	return agreeCase{
		name: name, xShape: []int{2, 3, 4, 4},
		eager: func(net *nn.Net) eager {
			u := nn.NewUpConv(net, "conv", 3, 4, 4, 2, true, 0.3).WithAct(kernels.ReLU, 0)
			if sn {
				u.WithSpectralNorm("conv.sn")
			}
			return eager{u.Forward, func(dy []float32) []float32 { return u.Backward(dy, true, true) }}
		},
		graph: func(ps *backend.Params) graphLayer {
			c := backend.NewConv2d(ps, "conv", backend.ConvConfig{In: 3, Out: 2, Kernel: 3,
				Pad: 1, SpectralNorm: sn, Act: backend.ActReLU})
			return func(g *backend.Graph, x *gorgonia.Node) (*gorgonia.Node, error) {
				up, err := backend.Upsample2(x)
				if err != nil {
					return nil, err
				}
				return c.Forward(g, up)
			}
		},
	}
}

func checkAgreement(t *testing.T, tc agreeCase, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	size := 1
	for _, d := range tc.xShape {
		size *= d
	}
	x := normals(r, size)

	// Eager: forward, backward from r.
	net := nn.NewNet("T", int64(seed), 1)
	layer := tc.eager(net)
	y := append([]float32(nil), layer.forward(tc.xShape[0], append([]float32(nil), x...))...)
	upstream := normals(r, len(y))
	net.ZeroGrad()
	dx := append([]float32(nil), layer.backward(append([]float32(nil), upstream...))...)

	// Graph: the same weights, copied from the eager tensors by name.
	ps := backend.NewParams("T", tensor.Float32, int64(seed)+1)
	build := tc.graph(ps)
	eagerByName := map[string]*backend.Param{}
	for _, p := range net.Params.All() {
		eagerByName[p.Name] = p
	}
	for _, p := range ps.All() {
		src, ok := eagerByName[graphName(p.Name)]
		if !ok {
			t.Fatalf("graph tensor %q has no eager counterpart", p.Name)
		}
		copy(p.Value.Float32s(), src.Value.Float32s())
	}
	gy, gdx, grads := runGraph(t, ps, build, tc.xShape, x, upstream)

	assertClose(t, "output", y, gy)
	assertClose(t, "input gradient", dx, gdx)
	for _, p := range net.Trainable() {
		g, ok := grads[p.Name]
		if !ok {
			t.Fatalf("eager tensor %q has no graph gradient", p.Name)
		}
		assertClose(t, p.Name+" gradient", p.G, g)
	}
}

// runGraph builds the layer in a training graph on input x (a tensor of
// its own, so the graph differentiates with respect to it) and returns the
// output, the input gradient and each weight gradient of Σ y⊙upstream.
func runGraph(t *testing.T, ps *backend.Params, build graphLayer, xShape []int, x, upstream []float32) (
	y, dx []float32, grads map[string][]float32) {
	t.Helper()
	xs := backend.NewParams("X", tensor.Float32, 0)
	xp := xs.Weight("x", backend.Constant(0), xShape...)
	copy(xp.Value.Float32s(), x)

	g, err := backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := build(g, g.Param(xp))
	if err != nil {
		t.Fatal(err)
	}
	rT := tensor.New(tensor.WithShape(out.Shape()...), tensor.WithBacking(upstream))
	rNode := gorgonia.NewTensor(g.Expr(), tensor.Float32, out.Dims(),
		gorgonia.WithShape(out.Shape()...), gorgonia.WithValue(rT), gorgonia.WithName("upstream"))
	prod, err := gorgonia.HadamardProd(out, rNode)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(loss, append(ps.Trainable(), xp)...); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	if y, err = backend.Float32s(out); err != nil {
		t.Fatal(err)
	}
	y = append([]float32(nil), y...)
	gs, err := g.Grads()
	if err != nil {
		t.Fatal(err)
	}
	grads = map[string][]float32{}
	for _, gr := range gs {
		grads[gr.P.Name] = append([]float32(nil), gr.G.Float32s()...)
	}
	return y, grads["x"], grads
}

// assertClose holds two float32 results to agree within 1e-4 of the
// larger's scale: both are float32 sums in different orders.
func assertClose(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d values, graph %d", what, len(a), len(b))
	}
	var scale float64
	for i := range a {
		scale = math.Max(scale, math.Max(math.Abs(float64(a[i])), math.Abs(float64(b[i]))))
	}
	tol := 1e-4 * math.Max(scale, 1)
	for i := range a {
		if d := math.Abs(float64(a[i] - b[i])); d > tol {
			t.Fatalf("%s[%d]: eager %g, graph %g (|Δ| %.3g > %.3g)", what, i, a[i], b[i], d, tol)
		}
	}
}

func normals(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}
