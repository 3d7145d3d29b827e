package kernels

// LinearForward computes y = x·wᵀ + b for n rows: x is n×in, w is out×in
// (PyTorch's layout), b is out values or nil, y is n×out and overwritten.
// The product is split over up to workers goroutines.
func LinearForward(workers, n, in, out int, x, w, b, y []float32) {
	mustLen("linear input", x, n*in)
	mustLen("linear weights", w, out*in)
	mustLen("linear output", y, n*out)
	ParallelSgemm(workers, false, true, n, out, in, 1, x, in, w, in, 0, y, out)
	if b != nil {
		mustLen("linear bias", b, out)
		for i := range n {
			addTo(y[i*out:(i+1)*out], b)
		}
	}
}

// LinearBackwardData computes dx = dy·w (n×in, overwritten) from dy (n×out).
func LinearBackwardData(workers, n, in, out int, dy, w, dx []float32) {
	mustLen("linear output gradient", dy, n*out)
	mustLen("linear weights", w, out*in)
	mustLen("linear input gradient", dx, n*in)
	ParallelSgemm(workers, false, false, n, in, out, 1, dy, out, w, in, 0, dx, in)
}

// LinearBackwardWeights adds dyᵀ·x to dw (out×in) and the column sums of dy
// to db (out values; nil skips it).
func LinearBackwardWeights(workers, n, in, out int, x, dy, dw, db []float32) {
	mustLen("linear input", x, n*in)
	mustLen("linear output gradient", dy, n*out)
	mustLen("linear weight gradient", dw, out*in)
	ParallelSgemm(workers, true, false, out, in, n, 1, dy, out, x, in, 1, dw, in)
	if db != nil {
		mustLen("linear bias gradient", db, out)
		for i := range n {
			addTo(db, dy[i*out:(i+1)*out])
		}
	}
}
