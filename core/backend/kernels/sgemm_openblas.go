//go:build openblas && !onednn

package kernels

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
*/
import "C"

import "sync"

// BLAS names the GEMM implementation this build uses.
const BLAS = "openblas"

// singleThread holds OpenBLAS to one thread, once per process: the kernels
// parallelise over images themselves, and OpenBLAS's own pool would
// oversubscribe the cores. A process-wide setting, so a process-wide once.
var singleThread sync.Once

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	singleThread.Do(func() { C.openblas_set_num_threads(1) })
	C.cblas_sgemm(C.CblasRowMajor, cblasTrans(transA), cblasTrans(transB),
		C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(&a[0]), C.blasint(lda),
		(*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}

func cblasTrans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}
