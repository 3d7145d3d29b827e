package backend_test

import (
	"fmt"

	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A training step: register parameters, build and compile the graph once,
// then set the inputs, Run, read the gradients and step the optimiser.
func Example() {
	ps := backend.NewParams("fit", tensor.Float32, 1)
	layer := backend.NewLinear(ps, "fc", backend.LinearConfig{In: 1, Out: 1})
	opt, err := backend.NewAdam(ps, backend.AdamConfig{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		panic(err)
	}

	g, err := backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	x, target := g.Input("x", 4, 1), g.Input("target", 4, 1)
	y, err := layer.Forward(g, x.Node)
	if err != nil {
		panic(err)
	}
	diff := gorgonia.Must(gorgonia.Sub(y, target.Node))
	loss := gorgonia.Must(gorgonia.Mean(gorgonia.Must(gorgonia.Square(diff))))
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		panic(err)
	}

	// Fit y = 2x + 1.
	_ = x.Set([]float32{-1, 0, 1, 2})
	_ = target.Set([]float32{-1, 1, 3, 5})
	var first, last float64
	for step := range 300 {
		if err := g.Run(); err != nil {
			panic(err)
		}
		last, _ = backend.Scalar(loss)
		if step == 0 {
			first = last
		}
		grads, err := g.Grads()
		if err != nil {
			panic(err)
		}
		if err := opt.Step(grads); err != nil {
			panic(err)
		}
	}
	w, b := layer.W.Value.Float32s()[0], layer.B.Value.Float32s()[0]
	fmt.Printf("loss %.1f -> %.3f, w %.2f, b %.2f\n", first, last, w, b)
	// Output: loss 9.0 -> 0.000, w 2.00, b 1.00
}
