package kernels

import (
	"fmt"
	"sync"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in row-major storage, where
// op(A) is m×k (A itself k×m when transA), op(B) is k×n (B itself n×k when
// transB) and C is m×n. lda, ldb and ldc are the row strides. It runs on one
// thread; see ParallelSgemm for a split over workers.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// ParallelSgemm is Sgemm with the columns of C split over up to workers
// goroutines. Use it for single large products (linear layers) outside the
// image-parallel convolution loops.
func ParallelSgemm(workers int, transA, transB bool, m, n, k int, alpha float32,
	a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	// Below a few hundred columns the goroutine hand-off costs more than the
	// split gains.
	const minColsPerWorker = 128
	workers = min(workers, n/minColsPerWorker)
	if workers <= 1 {
		Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)

	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := split(n, workers, w)
		wg.Go(func() {
			// Column block [lo, hi) of C takes columns [lo, hi) of op(B):
			// rows lo..hi of B when transB, else columns.
			bOff := lo
			if transB {
				bOff = lo * ldb
			}
			sgemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[bOff:], ldb, beta, c[lo:], ldc)
		})
	}
	wg.Wait()
}

func scaleRows(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// checkGemm panics when a slice is too short for its shape: a caller bug.
func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case lda < max(1, ac) || la < (ar-1)*lda+ac:
		panic(fmt.Sprintf("kernels: sgemm: A is %d values, lda %d, for %d×%d", la, lda, ar, ac))
	case ldb < max(1, bc) || lb < (br-1)*ldb+bc:
		panic(fmt.Sprintf("kernels: sgemm: B is %d values, ldb %d, for %d×%d", lb, ldb, br, bc))
	case ldc < max(1, n) || lc < (m-1)*ldc+n:
		panic(fmt.Sprintf("kernels: sgemm: C is %d values, ldc %d, for %d×%d", lc, ldc, m, n))
	}
}
