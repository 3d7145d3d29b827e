package imageset

import (
	"context"
	"fmt"
	"sync"

	"github.com/ndalab/ndalab/core"
)

// memoSize bounds the orders a Server remembers; a run asks for one
// (seed, epoch) at a time, an evaluation for one more.
const memoSize = 8

// Server turns batch requests into batches for one data set plugin. It
// remembers the last few sample orders, so that serving an epoch does not
// redraw its permutation for every batch. The zero value is not usable;
// use NewServer. A Server is safe for concurrent use.
type Server struct {
	component string // e.g. "dataset/mnist", keys the randomness

	mu    sync.Mutex
	memo  map[string][]int
	scale [256]float32
}

// NewServer returns a Server for the named component ("dataset/NAME").
func NewServer(component string) *Server {
	s := &Server{component: component, memo: map[string][]int{}}
	for v := range s.scale {
		s.scale[v] = float32(v)/127.5 - 1
	}
	return s
}

// Info describes src under sel.
func (s *Server) Info(src Source, sel Selection) core.DatasetInfo {
	m := src.Meta()
	return core.DatasetInfo{
		Size:       len(s.order(src, sel, 0, 0, false)),
		Shape:      src.Shape(),
		Classes:    m.Classes,
		ClassNames: m.ClassNames,
		Checksum:   m.Checksum,
	}
}

// Batch serves req from src under sel: samples [Index*Size, (Index+1)*Size)
// of the epoch's order, scaled from bytes to [-1, 1], with labels. The last
// batch of an epoch may be shorter; a batch past the end is an error.
func (s *Server) Batch(
	ctx context.Context, src Source, sel Selection, req core.BatchRequest,
) (*core.Batch, error) {
	if req.Size <= 0 || req.Index < 0 || req.Epoch < 0 {
		return nil, fmt.Errorf("%w: %s: batch request needs size > 0, index >= 0 and epoch >= 0 "+
			"(got size %d, index %d, epoch %d)", core.ErrInvalidArgument, s.component,
			req.Size, req.Index, req.Epoch)
	}
	order := s.order(src, sel, req.Seed, req.Epoch, sel.Shuffle)
	lo := req.Index * req.Size
	if lo >= len(order) {
		return nil, fmt.Errorf("%w: %s: batch %d of size %d starts past the %d samples of split %q",
			core.ErrInvalidArgument, s.component, req.Index, req.Size, len(order), req.Split)
	}
	hi := min(lo+req.Size, len(order))

	shape := src.Shape()
	b := core.NewBatch(hi-lo, shape[0], shape[1], shape[2])
	b.Labels = make([]int32, hi-lo)
	if vs, ok := src.(ValueSource); ok {
		for j, i := range order[lo:hi] {
			vs.Values(i, b.Sample(j))
			b.Labels[j] = src.Label(i)
		}
		return b, nil
	}
	buf := make([]uint8, b.SampleSize())
	for j, i := range order[lo:hi] {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: batch: %w: %v", s.component, core.ErrCanceled, err)
		}
		if err := src.Pixels(i, buf); err != nil {
			return nil, fmt.Errorf("%s: sample %d: %w", s.component, i, err)
		}
		out := b.Sample(j)
		for k, v := range buf {
			out[k] = s.scale[v]
		}
		b.Labels[j] = src.Label(i)
	}
	return b, nil
}

// order returns the selected indices in the order of (seed, epoch); the
// slice is shared and must not be modified.
func (s *Server) order(src Source, sel Selection, seed int64, epoch int, shuffle bool) []int {
	key := fmt.Sprintf("%p/%s/%d/%d/%t", src, sel.key(), seed, epoch, shuffle)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.memo[key]; ok {
		return o
	}
	o := sel.indices(s.component, src)
	if shuffle {
		r := core.NewRand(seed, s.component, int64(epoch), "shuffle")
		r.Shuffle(len(o), func(a, b int) { o[a], o[b] = o[b], o[a] })
	}
	if len(s.memo) >= memoSize {
		clear(s.memo)
	}
	s.memo[key] = o
	return o
}
