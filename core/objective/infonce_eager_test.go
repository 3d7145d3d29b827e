package objective

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// float32Vals rounds vals to float32, in place, and returns the float32s,
// so that the graph (float64) and the eager loss see the same numbers.
func float32Vals(vals []float64) []float32 {
	out := make([]float32, len(vals))
	for i, v := range vals {
		out[i] = float32(v)
		vals[i] = float64(out[i])
	}
	return out
}

// TestNCEMatchesGraph holds the eager loss and its gradients to the graph
// InfoNCE (itself checked against central differences) in float64.
func TestNCEMatchesGraph(t *testing.T) {
	const n, d, tau = 5, 6, 0.2
	for _, tt := range []struct {
		per      int
		useQueue bool
	}{{0, false}, {1, false}, {3, false}, {2, true}, {0, true}} {
		t.Run(fmt.Sprintf("negatives=%d,queue=%v", tt.per, tt.useQueue), func(t *testing.T) {
			qv, kv := randVals(21, n*d, 1), randVals(22, n*d, 1)
			negv := randVals(23, n*tt.per*d, 1)
			q, k, neg := float32Vals(qv), float32Vals(kv), float32Vals(negv)

			var queue []float32
			var graphQueue *Queue
			if tt.useQueue {
				var err error
				if graphQueue, err = NewQueue("moco", 7, d, tensor.Float64, 24); err != nil {
					t.Fatal(err)
				}
				stored := backend.Float64s(graphQueue.Tensors()[0].T)
				queue = float32Vals(stored)
				backend.SetFloat64s(graphQueue.Tensors()[0].T, stored)
			}

			build := func(g *backend.Graph, ps *backend.Params) (*gorgonia.Node, error) {
				var negNode, queueNode *gorgonia.Node
				qn, kn := g.Param(matrix(ps, "q", qv, d)), g.Param(matrix(ps, "k", kv, d))
				if tt.per > 0 {
					negNode = g.Param(matrix(ps, "neg", negv, d))
				}
				if graphQueue != nil {
					queueNode = graphQueue.Node(g)
				}
				return InfoNCE(g, qn, kn, negNode, queueNode, tau)
			}
			want, wantGrads, _ := evalLoss(t, backend.NewParams("E", tensor.Float64, 1), build)

			nce := NCE{Tau: tau}
			dq, dk := make([]float32, len(q)), make([]float32, len(k))
			var dneg []float32
			if tt.per > 0 {
				dneg = make([]float32, len(neg))
			}
			got, _, err := nce.LossGrad(q, k, neg, queue, d, dq, dk, dneg)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-5 {
				t.Errorf("loss %.9g, graph %.9g", got, want)
			}
			for i, g := range [][]float32{dq, dk, dneg}[:len(wantGrads)] {
				for j, v := range g {
					w := wantGrads[i][j]
					if math.Abs(float64(v)-w) > 1e-5*math.Max(1, math.Abs(w)) {
						t.Errorf("gradient %d[%d] = %.9g, graph %.9g", i, j, v, w)
					}
				}
			}
		})
	}
}

// TestNCEAccuracyAndReuse: with every anchor equal to its key the
// positives win; a second call with other shapes reuses the buffers and
// still agrees with a fresh NCE.
func TestNCEAccuracyAndReuse(t *testing.T) {
	const d = 4
	eye := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
	nce := NCE{Tau: 0.1}
	_, acc, err := nce.LossGrad(eye, eye, nil, nil, d, nil, nil, nil)
	if err != nil || acc != 1 {
		t.Fatalf("accuracy %g (%v), want 1", acc, err)
	}
	swapped := append(append([]float32(nil), eye[d:2*d]...), eye[:d]...)
	if _, acc, _ = nce.LossGrad(eye[:2*d], swapped, nil, nil, d, nil, nil, nil); acc != 0 {
		t.Fatalf("accuracy %g with every key another anchor's, want 0", acc)
	}

	q, k := float32Vals(randVals(31, 6*d, 1)), float32Vals(randVals(32, 6*d, 1))
	neg := float32Vals(randVals(33, 12*d, 1))
	dq1, dq2 := make([]float32, len(q)), make([]float32, len(q))
	l1, _, err := nce.LossGrad(q, k, neg, nil, d, dq1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := NCE{Tau: 0.1}
	l2, _, _ := fresh.LossGrad(q, k, neg, nil, d, dq2, nil, nil)
	if l1 != l2 {
		t.Fatalf("reused buffers give loss %g, fresh %g", l1, l2)
	}
	for i := range dq1 {
		if dq1[i] != dq2[i] {
			t.Fatalf("reused buffers give dq[%d] %g, fresh %g", i, dq1[i], dq2[i])
		}
	}
}

func TestNCEErrors(t *testing.T) {
	row := []float32{1, 0}
	for _, tt := range []struct {
		name string
		nce  NCE
		call func(*NCE) error
	}{
		{"no temperature", NCE{}, func(c *NCE) error {
			_, _, err := c.LossGrad(row, row, nil, nil, 2, nil, nil, nil)
			return err
		}},
		{"keys of another count", NCE{Tau: 1}, func(c *NCE) error {
			_, _, err := c.LossGrad(row, append(row, row...), nil, nil, 2, nil, nil, nil)
			return err
		}},
		{"negatives not a multiple", NCE{Tau: 1}, func(c *NCE) error {
			_, _, err := c.LossGrad(append(row, row...), row, row, nil, 2, nil, nil, nil)
			return err
		}},
		{"short gradient", NCE{Tau: 1}, func(c *NCE) error {
			_, _, err := c.LossGrad(row, row, nil, nil, 2, make([]float32, 1), nil, nil)
			return err
		}},
		{"queue rows of another width", NCE{Tau: 1}, func(c *NCE) error {
			_, _, err := c.LossGrad(row, row, nil, []float32{1, 0, 0}, 2, nil, nil, nil)
			return err
		}},
	} {
		if err := tt.call(&tt.nce); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: error %v, want invalid argument", tt.name, err)
		}
	}
}
