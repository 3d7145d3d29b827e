package objective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/tensor"
)

// TestMoCoSteps runs the MoCo pattern end to end on a toy encoder: keys
// and NDA negatives come from the momentum encoder as values; only keys
// are enqueued; the key encoder trails the query encoder.
func TestMoCoSteps(t *testing.T) {
	const n, in, dim, size = 4, 6, 3, 10
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	encoder := func(ps *backend.Params) *backend.Linear {
		cfg := backend.LinearConfig{In: in, Out: dim, Init: backend.Normal(0.5)}
		return backend.NewLinear(ps, "fc", cfg)
	}
	qps := backend.NewParams("query", tensor.Float32, 1)
	kps := backend.NewParams("key", tensor.Float32, 2)
	qEnc, kEnc := encoder(qps), encoder(kps)
	must(MomentumUpdate(kps, qps, 0)) // the key encoder starts as a copy
	queue, err := NewQueue("moco", size, dim, tensor.Float32, 3)
	must(err)
	opt, err := backend.NewAdam(qps, backend.AdamConfig{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	must(err)

	// Key graph: the momentum encoder on the positive views and on the
	// negatives, forward only.
	kg, err := backend.NewGraph(backend.GraphOptions{})
	must(err)
	kIn, negIn := kg.Input("views", n, in), kg.Input("negatives", n, in)
	kOut, err := kEnc.Forward(kg, kIn.Node)
	must(err)
	negOut, err := kEnc.Forward(kg, negIn.Node)
	must(err)
	must(kg.Compile(nil))

	// Query graph: keys, negatives and the queue enter as values.
	qg, err := backend.NewGraph(backend.GraphOptions{Mode: backend.Mode{Train: true}})
	must(err)
	xIn, keys, negs := qg.Input("anchors", n, in), qg.Input("keys", n, dim), qg.Input("neg", n, dim)
	q, err := qEnc.Forward(qg, xIn.Node)
	must(err)
	loss, err := InfoNCE(qg, q, keys.Node, negs.Node, queue.Node(qg), 0.2)
	must(err)
	must(qg.Compile(loss, qps.Trainable()...))

	r := rand.New(rand.NewPCG(5, 5))
	draw := func(k int) []float32 {
		out := make([]float32, k)
		for i := range out {
			out[i] = float32(r.NormFloat64())
		}
		return out
	}
	var first, last float64
	for step := range 20 {
		x := draw(n * in)
		view := make([]float32, len(x))
		for i, v := range x {
			view[i] = v + 0.05*float32(r.NormFloat64())
		}
		must(kIn.Set(view))
		must(negIn.Set(draw(n * in)))
		must(kg.Run())
		must(keys.SetFrom(kOut))
		must(negs.SetFrom(negOut))
		must(xIn.Set(x))
		must(qg.Run())
		v, err := backend.Scalar(loss)
		must(err)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("step %d: loss %v", step, v)
		}
		if step == 0 {
			first = v
		}
		last = v
		grads, err := qg.Grads()
		must(err)
		must(opt.Step(grads))
		must(MomentumUpdate(kps, qps, 0.9))
		k, err := backend.Float32s(kOut)
		must(err)
		must(queue.Enqueue(k))

		// Only the n keys went in, never the negatives.
		wantPtr := float64(((step + 1) * n) % size)
		if ptr := backend.Float64s(queue.Tensors()[1].T)[0]; ptr != wantPtr {
			t.Fatalf("step %d: queue position %g, want %g", step, ptr, wantPtr)
		}
	}
	if !(last < first) {
		t.Errorf("loss went from %g to %g, want a decrease", first, last)
	}

	// The key encoder trails the query encoder but is not equal to it.
	kw, qw := backend.Float64s(kEnc.W.Value), backend.Float64s(qEnc.W.Value)
	var diff float64
	for i := range kw {
		diff += math.Abs(kw[i] - qw[i])
	}
	if diff == 0 {
		t.Error("key encoder equals the query encoder after 20 steps with momentum 0.9")
	}
}
