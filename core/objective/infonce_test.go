package objective

import (
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func rows(flat []float64, d int) [][]float64 {
	var out [][]float64
	for i := 0; i < len(flat); i += d {
		out = append(out, flat[i:i+d])
	}
	return out
}

func matrix(ps *backend.Params, name string, vals []float64, d int) *backend.Param {
	return ps.Weight(name, func(data []float64, _ func() float64) { copy(data, vals) }, len(vals)/d, d)
}

func TestInfoNCE(t *testing.T) {
	const n, d, per, tau = 4, 5, 2, 0.2
	qv, kv := randVals(1, n*d, 1), randVals(2, n*d, 1)
	negv := randVals(3, n*per*d, 1)
	queue, err := NewQueue("moco", 6, d, tensor.Float64, 4)
	if err != nil {
		t.Fatal(err)
	}
	queueRows := rows(backend.Float64s(queue.Tensors()[0].T), d)

	tests := []struct {
		name     string
		negs     bool
		useQueue bool
	}{
		{"in-batch", false, false},
		{"nda", true, false},
		{"nda+queue", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			build := func(g *backend.Graph, ps *backend.Params) (*gorgonia.Node, error) {
				q := g.Param(matrix(ps, "q", qv, d))
				k := g.Param(matrix(ps, "k", kv, d))
				var neg, qu *gorgonia.Node
				if tt.negs {
					neg = g.Param(matrix(ps, "neg", negv, d))
				}
				if tt.useQueue {
					qu = queue.Node(g)
				}
				return InfoNCE(g, q, k, neg, qu, tau)
			}
			var negRows, qRows [][]float64
			if tt.negs {
				negRows = rows(negv, d)
			}
			if tt.useQueue {
				qRows = queueRows
			}
			want := InfoNCEPlain(rows(qv, d), rows(kv, d), negRows, qRows, tau)
			got, _, _ := evalLoss(t, backend.NewParams("E", tensor.Float64, 1), build)
			if math.Abs(got-want) > 1e-12 {
				t.Errorf("loss = %.15g, plain function %.15g", got, want)
			}
			checkGradients(t, backend.NewParams("E", tensor.Float64, 1), build)
		})
	}
}

// TestInfoNCENegativesCount: an NDA negative equal to the positive makes
// the loss larger than leaving it out, by exactly the softmax arithmetic.
func TestInfoNCENegativesCount(t *testing.T) {
	q := [][]float64{{1, 0}, {0, 1}}
	k := [][]float64{{1, 0}, {0, 1}}
	without := InfoNCEPlain(q, k, nil, nil, 1)
	with := InfoNCEPlain(q, k, [][]float64{{1, 0}, {0, 1}}, nil, 1)
	// Each row: logits (1, 0) → log(e+1) - 1; with the copy (1, 0, 1) →
	// log(2e+1) - 1.
	if math.Abs(without-(math.Log(math.E+1)-1)) > 1e-15 ||
		math.Abs(with-(math.Log(2*math.E+1)-1)) > 1e-15 {
		t.Errorf("losses %g and %g, want log(e+1)-1 and log(2e+1)-1", without, with)
	}
}

func TestInfoNCEErrors(t *testing.T) {
	g, err := backend.NewGraph(backend.GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := g.Input("q", 4, 3).Node
	if _, err := InfoNCE(g, q, q, nil, nil, 0); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("temperature 0: error = %v", err)
	}
	k3 := g.Input("k", 3, 3).Node
	if _, err := InfoNCE(g, q, k3, nil, nil, 0.1); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("3 keys for 4 anchors: error = %v", err)
	}
	n6 := g.Input("n", 6, 3).Node
	if _, err := InfoNCE(g, q, q, n6, nil, 0.1); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("6 negatives for 4 anchors: error = %v", err)
	}
}

func TestQueue(t *testing.T) {
	q, err := NewQueue("moco", 3, 2, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue([]float32{3, 4, 0, 2}); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue([]float32{1, 0, 0, -5}); err != nil {
		t.Fatal(err)
	}
	// Four keys into three rows: the fourth wrapped to row 0.
	want := []float64{0, -1, 0, 1, 1, 0}
	got := backend.Float64s(q.Tensors()[0].T)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-7 {
			t.Fatalf("queue = %v, want %v", got, want)
		}
	}
	if ptr := backend.Float64s(q.Tensors()[1].T)[0]; ptr != 1 {
		t.Errorf("write position %g, want 1", ptr)
	}
	if err := q.Enqueue(make([]float32, 8)); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("4 keys into a 3-row queue: error = %v", err)
	}
}

func TestMomentumUpdate(t *testing.T) {
	mk := func(v float64) *backend.Params {
		ps := backend.NewParams("enc", tensor.Float32, 1)
		ps.Weight("w", backend.Constant(v), 2)
		return ps
	}
	key, query := mk(1), mk(3)
	if err := MomentumUpdate(key, query, 0.75); err != nil {
		t.Fatal(err)
	}
	// 0.75·1 + 0.25·3 = 1.5
	if got := backend.Float64s(key.Get("w").Value); got[0] != 1.5 || got[1] != 1.5 {
		t.Errorf("key = %v, want [1.5 1.5]", got)
	}
	other := backend.NewParams("enc", tensor.Float32, 1)
	other.Weight("w", backend.Constant(0), 3)
	if err := MomentumUpdate(key, other, 0.5); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("mismatched shapes: error = %v", err)
	}
}
