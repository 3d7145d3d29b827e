package knn

// topK keeps the k largest (value, index) pairs offered, ordered from the
// largest; among equal values the earlier-offered (lower index) wins. k is
// small (tens), so insertion into a sorted slice beats a heap.
type topK struct {
	k    int
	vals []float64
	idx  []int
}

func newTopK(k int) *topK {
	return &topK{k: k, vals: make([]float64, 0, k), idx: make([]int, 0, k)}
}

func (t *topK) reset() { t.vals, t.idx = t.vals[:0], t.idx[:0] }

func (t *topK) len() int { return len(t.vals) }

func (t *topK) at(n int) (float64, int) { return t.vals[n], t.idx[n] }

// offer considers (v, i); indices must be offered in increasing order for
// the tie rule to hold.
func (t *topK) offer(v float64, i int) {
	n := len(t.vals)
	if n == t.k {
		if v <= t.vals[n-1] {
			return
		}
		n--
	} else {
		t.vals, t.idx = append(t.vals, 0), append(t.idx, 0)
	}

	// Shift smaller entries down; stop at an equal one so it stays ahead.
	p := n
	for p > 0 && t.vals[p-1] < v {
		t.vals[p], t.idx[p] = t.vals[p-1], t.idx[p-1]
		p--
	}
	t.vals[p], t.idx[p] = v, i
}
