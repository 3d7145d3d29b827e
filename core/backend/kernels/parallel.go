package kernels

import "sync"

// minParallelWork is the number of values below which an element-wise pass
// runs on one goroutine: handing off costs about as much as a few
// thousand multiply-adds.
const minParallelWork = 1 << 14

// parallelFor splits [0, n) into up to workers contiguous ranges and runs fn
// on each in its own goroutine (the caller's for one range). work is the
// total number of values touched, to keep small passes serial.
func parallelFor(workers, n, work int, fn func(w, lo, hi int)) {
	workers = min(workers, n)
	if work < minParallelWork {
		workers = 1
	}
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		lo, hi := split(n, workers, w)
		wg.Go(func() { fn(w, lo, hi) })
	}
	lo, hi := split(n, workers, 0)
	fn(0, lo, hi)
	wg.Wait()
}

// split returns the half-open range of part w when n items go to parts
// workers, the first n%parts parts taking one more.
func split(n, parts, w int) (lo, hi int) {
	q, r := n/parts, n%parts
	lo = w*q + min(w, r)
	hi = lo + q
	if w < r {
		hi++
	}
	return lo, hi
}
