package backend

import (
	"errors"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGraphMisuse(t *testing.T) {
	ps := NewParams("M", tensor.Float32, 1)
	l := NewLinear(ps, "fc", LinearConfig{In: 3, Out: 2})
	other := NewParams("O", tensor.Float32, 1).Weight("w", Constant(0), 2)
	g, err := NewGraph(GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := g.Input("x", 4, 3)
	y, err := l.Forward(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}

	if err := g.Run(); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Errorf("run before compile: error = %v", err)
	}
	if err := g.Compile(y, ps.Trainable()...); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("non-scalar loss: error = %v", err)
	}
	loss := gorgonia.Must(gorgonia.Sum(y))
	if err := g.Compile(loss, other); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("parameter from outside the graph: error = %v", err)
	}
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(loss, ps.Trainable()...); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Errorf("second compile: error = %v", err)
	}
	if _, err := g.Grads(); !errors.Is(err, core.ErrFailedPrecondition) {
		t.Errorf("gradients before a run: error = %v", err)
	}
	if err := x.Set(make([]float32, 5)); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("5 values into a 4×3 input: error = %v", err)
	}
	if _, err := l.Forward(g, g.Input("wide", 4, 7).Node); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("linear of 3 inputs on 7 features: error = %v", err)
	}
	if _, err := NewGraph(GraphOptions{Dtype: tensor.Int32}); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("int32 graph: error = %v", err)
	}
}
