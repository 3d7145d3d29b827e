package backend

import (
	"sync"

	"gonum.org/v1/gonum/blas"

	"github.com/ndalab/ndalab/core/backend/kernels"
)

// blasImpl, the BLAS the float64 op paths call directly, and blasName are
// fixed at build time (blas_gonum.go or blas_openblas.go); useBLASOnce
// guards handing that choice to gorgonia, which keeps it process-wide.
var useBLASOnce sync.Once

// BLAS names the BLAS implementation this binary computes with, for
// reproducibility records: bit-identical results hold only for the same
// binary, BLAS and thread count. A build with the onednn tag multiplies in
// the eager kernels with oneDNN and in gorgonia's graphs with the other
// BLAS, and names both.
func BLAS() string {
	if kernels.BLAS == blasName {
		return blasName
	}
	return kernels.BLAS + " (kernels), " + blasName + " (graphs)"
}

// installBLAS hands the build's BLAS to gorgonia and tensor, once per
// process. gorgonia keeps its BLAS in package state, so this is the one
// place that sets it.
func installBLAS() { useBLASOnce.Do(useBLAS) }

// gemm computes C = alpha·op(A)·op(B) + beta·C on row-major matrices, where
// op(A) is m×k and op(B) is k×n.
func gemm[T elem](transA, transB bool, m, n, k int, alpha T, a []T, lda int,
	b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		blasImpl.Sgemm(ta, tb, m, n, k, float32(alpha), a, lda,
			any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		blasImpl.Dgemm(ta, tb, m, n, k, float64(alpha), a, lda,
			any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
