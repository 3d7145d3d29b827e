package backend

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func topSingularValue(w []float64, rows, cols int) float64 {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(rows, cols, w), mat.SVDNone) {
		panic("svd failed")
	}
	return svd.Values(nil)[0]
}

func TestSpectralNormConverges(t *testing.T) {
	ps := NewParams("SN", tensor.Float64, 3)
	c := NewConv2d(ps, "c", ConvConfig{In: 3, Out: 6, Kernel: 3, SpectralNorm: true, Init: Normal(1)})
	want := topSingularValue(Float64s(c.W.Value), 6, 27)
	for range 100 {
		c.SN.PowerIterate()
	}
	if got := c.SN.Sigma(); math.Abs(got-want)/want > 1e-6 {
		t.Errorf("sigma after 100 iterations = %.9g, top singular value (gonum SVD) %.9g", got, want)
	}

	// The normalised weight has top singular value 1.
	g, err := NewGraph(GraphOptions{Dtype: tensor.Float64})
	if err != nil {
		t.Fatal(err)
	}
	wn, err := c.SN.Weight(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	if s := topSingularValue(wn.Value().Data().([]float64), 6, 27); math.Abs(s-1) > 1e-6 {
		t.Errorf("normalised weight's top singular value = %g, want 1", s)
	}
}

// TestSpectralNormUpdatesOncePerDStep: a D-step graph (PowerIteration)
// advances u by one iteration per Run; a G-step graph leaves it alone.
func TestSpectralNormUpdatesOncePerDStep(t *testing.T) {
	ps := NewParams("D", tensor.Float32, 3)
	l := NewLinear(ps, "l", LinearConfig{In: 5, Out: 4, SpectralNorm: true})
	build := func(mode Mode) (*Graph, *Input) {
		g, err := NewGraph(GraphOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		x := g.Input("x", 2, 5)
		h, err := l.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		// Apply the layer twice: the vectors must still move once per Run.
		h2, err := l.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Add(h, h2))))
		if err := g.Compile(loss, ps.Trainable()...); err != nil {
			t.Fatal(err)
		}
		return g, x
	}
	dStep, _ := build(Mode{Train: true, PowerIteration: true})
	gStep, _ := build(Mode{Train: true})

	ref := NewParams("D", tensor.Float32, 3)
	refL := NewLinear(ref, "l", LinearConfig{In: 5, Out: 4, SpectralNorm: true})
	for i := range 3 {
		if err := dStep.Run(); err != nil {
			t.Fatal(err)
		}
		refL.SN.PowerIterate()
		if !slices.Equal(l.SN.U.Value.Float32s(), refL.SN.U.Value.Float32s()) {
			t.Fatalf("after D step %d: u = %v, want one iteration per step %v",
				i+1, l.SN.U.Value.Float32s(), refL.SN.U.Value.Float32s())
		}
		u := slices.Clone(l.SN.U.Value.Float32s())
		if err := gStep.Run(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.SN.U.Value.Float32s(), u) {
			t.Fatalf("G step %d moved u", i+1)
		}
	}
}
