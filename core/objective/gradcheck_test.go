package objective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gradient-check settings: central differences in float64.
const (
	fdStep = 1e-6
	// fdTol bounds |analytic - numeric| / max(1, |analytic|, |numeric|).
	fdTol = 1e-6
)

// lossBuilder adds a scalar loss to g, reading inputs from params of ps.
type lossBuilder func(g *backend.Graph, ps *backend.Params) (*gorgonia.Node, error)

// evalLoss builds a float64 graph and returns the loss value, the
// gradients of every trainable tensor of ps, and a function that
// recomputes the loss after the caller edits a tensor.
func evalLoss(t *testing.T, ps *backend.Params, build lossBuilder) (
	float64, [][]float64, func() float64) {
	t.Helper()
	g, err := backend.NewGraph(backend.GraphOptions{Dtype: tensor.Float64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	loss, err := build(g, ps)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		t.Fatal(err)
	}
	value := func() float64 {
		t.Helper()
		if err := g.Run(); err != nil {
			t.Fatal(err)
		}
		v, err := backend.Scalar(loss)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := value()
	grads, err := g.Grads()
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(grads))
	for i, gr := range grads {
		out[i] = backend.Float64s(gr.G)
	}
	return v, out, value
}

// checkGradients compares analytic gradients with central differences for
// every entry of every trainable tensor of ps.
func checkGradients(t *testing.T, ps *backend.Params, build lossBuilder) {
	t.Helper()
	_, analytic, value := evalLoss(t, ps, build)
	for i, p := range ps.Trainable() {
		data := p.Value.Float64s()
		for j := range data {
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

// scores registers a trainable N×1 tensor of the given values.
func scores(ps *backend.Params, name string, vals []float64) *backend.Param {
	return ps.Weight(name, func(data []float64, _ func() float64) { copy(data, vals) }, len(vals), 1)
}

func randVals(seed uint64, n int, scale float64) []float64 {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * r.NormFloat64()
	}
	return out
}
