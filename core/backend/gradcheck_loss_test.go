package backend

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGradLossOps(t *testing.T) {
	tests := []struct {
		name  string
		build builder
	}{
		{"matmulT", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return MatMulT(g.Param(inputParam(ps, "a", 3, 4)), g.Param(inputParam(ps, "b", 5, 4)))
		}},
		{"l2normalize", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return L2Normalize(g.Param(inputParam(ps, "x", 3, 4)), 2.5)
		}},
		{"rowdot", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return RowDot(g.Param(inputParam(ps, "a", 3, 4)), g.Param(inputParam(ps, "b", 6, 4)))
		}},
		{"crossentropy", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			return CrossEntropy(g.Param(inputParam(ps, "z", 4, 5)), labelsNode(g, 0, 4, 2, 2))
		}},
		{"concat", func(g *Graph, ps *Params) (*gorgonia.Node, error) {
			a, b := g.Param(inputParam(ps, "a", 3, 2)), g.Param(inputParam(ps, "b", 3, 4))
			return gorgonia.Concat(1, a, b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGradients(t, NewParams("T", tensor.Float64, 13), Mode{}, tt.build)
		})
	}
}

func TestCrossEntropyValue(t *testing.T) {
	g, err := NewGraph(GraphOptions{Dtype: tensor.Float64})
	if err != nil {
		t.Fatal(err)
	}
	z := g.Input("z", 2, 3)
	loss, err := CrossEntropy(z.Node, labelsNode(g, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(nil); err != nil {
		t.Fatal(err)
	}
	_ = z.Set([]float32{1, 2, 3, 0, 0, 0})
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	got, _ := Scalar(loss)
	row0 := math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 3
	row1 := math.Log(3)
	if want := (row0 + row1) / 2; math.Abs(got-want) > 1e-12 {
		t.Errorf("cross entropy = %.15g, want %.15g", got, want)
	}
}
