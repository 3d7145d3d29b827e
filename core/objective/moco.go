package objective

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxQueue bounds the queue size: the write position is kept in a float32
// state tensor, exact up to 2²⁴.
const maxQueue = 1 << 24

// Queue is MoCo's first-in first-out queue of K unit-length keys (K×D),
// kept as state in its own backend.Params so checkpoints carry it. NDA
// negatives are never enqueued. Not safe for concurrent use.
type Queue struct {
	ps   *backend.Params
	keys *backend.Param
	ptr  *backend.Param // next row to overwrite
}

// NewQueue returns a queue of size keys of dimension dim, filled with
// random unit vectors drawn from seed (as MoCo starts). name prefixes its
// checkpoint tensors.
func NewQueue(name string, size, dim int, dtype tensor.Dtype, seed int64) (*Queue, error) {
	if size < 1 || dim < 1 || size > maxQueue {
		return nil, fmt.Errorf("new queue %s: size %d, dim %d, want 1 <= size <= %d, dim >= 1: %w",
			name, size, dim, maxQueue, core.ErrInvalidArgument)
	}
	ps := backend.NewParams(name, dtype, seed)
	q := &Queue{
		ps:   ps,
		keys: ps.State("keys", backend.Normal(1), size, dim),
		ptr:  ps.State("ptr", backend.Constant(0), 1),
	}
	rows := backend.Float64s(q.keys.Value)
	for i := range size {
		unitInPlace(rows[i*dim : (i+1)*dim])
	}
	backend.SetFloat64s(q.keys.Value, rows)
	return q, nil
}

// Size returns K, the number of keys the queue holds.
func (q *Queue) Size() int { return q.keys.Value.Shape()[0] }

// Node binds the queue's keys in g: a K×D constant of the step.
func (q *Queue) Node(g *backend.Graph) *gorgonia.Node { return g.Param(q.keys) }

// Enqueue normalises and stores keys (N×D values, N ≤ K), overwriting the
// oldest, wrapping around.
func (q *Queue) Enqueue(keys []float32) error {
	s := q.keys.Value.Shape()
	size, dim := s[0], s[1]
	if len(keys)%dim != 0 || len(keys)/dim > size {
		return fmt.Errorf("enqueue %d values into a %d×%d queue: %w",
			len(keys), size, dim, core.ErrInvalidArgument)
	}
	ptr := int(backend.Float64s(q.ptr.Value)[0])
	row := make([]float64, dim)
	for i := range len(keys) / dim {
		for j := range row {
			row[j] = float64(keys[i*dim+j])
		}
		unitInPlace(row)
		q.setRow(ptr, row)
		ptr = (ptr + 1) % size
	}
	backend.SetFloat64s(q.ptr.Value, []float64{float64(ptr)})
	return nil
}

// setRow overwrites key i in the queue's own dtype.
func (q *Queue) setRow(i int, row []float64) {
	d := len(row)
	switch q.keys.Value.Dtype() {
	case tensor.Float32:
		dst := q.keys.Value.Float32s()[i*d : (i+1)*d]
		for j, v := range row {
			dst[j] = float32(v)
		}
	default:
		copy(q.keys.Value.Float64s()[i*d:(i+1)*d], row)
	}
}

// Float32s returns the keys, K×D row-major, for an eager loss (NCE): the
// queue's own storage when its dtype is float32, so not to be modified,
// and a copy otherwise.
func (q *Queue) Float32s() []float32 {
	if q.keys.Value.Dtype() == tensor.Float32 {
		return q.keys.Value.Float32s()
	}
	rows := q.keys.Value.Float64s()
	out := make([]float32, len(rows))
	for i, v := range rows {
		out[i] = float32(v)
	}
	return out
}

// Tensors lists the keys and the write position for checkpoints.
func (q *Queue) Tensors() []backend.Named { return q.ps.Tensors() }

// MomentumUpdate moves the key encoder towards the query encoder:
// θ_k ← m·θ_k + (1-m)·θ_q for every trainable tensor. Both sets must hold
// the same trainable names and shapes.
func MomentumUpdate(key, query *backend.Params, m float64) error {
	if m < 0 || m > 1 {
		return fmt.Errorf("momentum update: m %g, want in [0, 1]: %w", m, core.ErrInvalidArgument)
	}
	qs, ks := query.Trainable(), key.Trainable()
	if len(qs) != len(ks) {
		return fmt.Errorf("momentum update: %d query tensors, %d key tensors: %w",
			len(qs), len(ks), core.ErrInvalidArgument)
	}
	for i, qp := range qs {
		kp := ks[i]
		if qp.Name != kp.Name || !qp.Value.Shape().Eq(kp.Value.Shape()) {
			return fmt.Errorf("momentum update: query %s %v against key %s %v: %w",
				qp.Name, qp.Value.Shape(), kp.Name, kp.Value.Shape(), core.ErrInvalidArgument)
		}
	}
	for i, qp := range qs {
		kt, qt := ks[i].Value, qp.Value
		if kt.Dtype() == tensor.Float32 && qt.Dtype() == tensor.Float32 {
			// In place: this runs every step on every weight.
			kv, qv := kt.Float32s(), qt.Float32s()
			keep, take := float32(m), float32(1-m)
			for j := range kv {
				kv[j] = keep*kv[j] + take*qv[j]
			}
			continue
		}
		kv, qv := backend.Float64s(kt), backend.Float64s(qt)
		for j := range kv {
			kv[j] = m*kv[j] + (1-m)*qv[j]
		}
		backend.SetFloat64s(kt, kv)
	}
	return nil
}

func unitInPlace(x []float64) {
	var s float64
	for _, v := range x {
		s += v * v
	}
	n := math.Max(math.Sqrt(s), 1e-12)
	for i := range x {
		x[i] /= n
	}
}
