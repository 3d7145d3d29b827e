package backend

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestDoDiffMatchesSymDiff runs one graph on gorgonia's autodiff machine,
// which calls the ops' DoDiff, and compares the gradients with the tape
// machine's symbolic ones (SymDiff).
func TestDoDiffMatchesSymDiff(t *testing.T) {
	build := func(g *Graph, ps *Params) (*gorgonia.Node, error) {
		x := g.Param(inputParam(ps, "x", 2, 2, 4, 4))
		c := NewConv2d(ps, "c", ConvConfig{In: 2, Out: 3, Kernel: 3, Pad: 1, SpectralNorm: true,
			Init: Normal(0.5)})
		h, err := c.Forward(g, x)
		if err != nil {
			return nil, err
		}
		cbn := NewConditionalBatchNorm(ps, "cbn", 3, 2)
		SetFloat64s(cbn.Gain.W.Value, []float64{1.5, 0.5, -1, 2, 1, 0.25})
		labels := g.Input("labels", 2)
		_ = labels.SetLabels([]int32{1, 0})
		if h, err = cbn.Forward(g, h, labels.Node); err != nil {
			return nil, err
		}
		if h, err = LeakyReLU(h, 0.2); err != nil {
			return nil, err
		}
		if h, err = AvgPool2(h); err != nil {
			return nil, err
		}
		if h, err = Upsample2(h); err != nil {
			return nil, err
		}
		ct := NewConvTranspose2d(ps, "ct", ConvConfig{In: 3, Out: 2, Kernel: 4, Stride: 2, Pad: 1,
			Init: Normal(0.5)})
		if h, err = ct.Forward(g, h); err != nil {
			return nil, err
		}
		if h, err = GlobalSumPool(h); err != nil {
			return nil, err
		}
		l := NewLinear(ps, "l", LinearConfig{In: 2, Out: 4, Init: Normal(0.5)})
		if h, err = l.Forward(g, h); err != nil {
			return nil, err
		}
		if h, err = Tanh(h); err != nil {
			return nil, err
		}
		if h, err = ReLU(h); err != nil {
			return nil, err
		}
		q, err := L2Normalize(h, 2)
		if err != nil {
			return nil, err
		}
		neg := g.Param(inputParam(ps, "neg", 4, 4))
		own, err := RowDot(q, neg)
		if err != nil {
			return nil, err
		}
		return CrossEntropy(own, labels.Node)
	}

	ps := NewParams("T", tensor.Float64, 5)
	g, err := NewGraph(GraphOptions{Dtype: tensor.Float64, Mode: Mode{Train: true}})
	if err != nil {
		t.Fatal(err)
	}
	loss, err := build(g, ps)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	grads, err := g.Grads()
	if err != nil {
		t.Fatal(err)
	}

	// The same weights in a second graph, differentiated by DoDiff.
	ad := gorgonia.NewGraph()
	adGraph := &Graph{g: ad, opts: GraphOptions{Dtype: tensor.Float64, Mode: Mode{Train: true}},
		params: map[*Param]*gorgonia.Node{}, once: map[any]bool{}}
	ps2 := NewParams("T", tensor.Float64, 5)
	if _, err := build(adGraph, ps2); err != nil {
		t.Fatal(err)
	}
	var wrt gorgonia.Nodes
	for _, p := range ps2.Trainable() {
		wrt = append(wrt, adGraph.Param(p))
	}
	m := gorgonia.NewLispMachine(ad)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	for i, n := range wrt {
		d, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		got, want := values[float64](d), Float64s(grads[i].G)
		for j := range want {
			if math.Abs(got[j]-want[j]) > 1e-12*math.Max(1, math.Abs(want[j])) {
				t.Fatalf("%s[%d]: DoDiff %g, SymDiff %g", grads[i].P.Name, j, got[j], want[j])
			}
		}
	}
}
