//go:build onednn

package kernels

/*
#cgo LDFLAGS: -ldnnl -lgomp
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

// ndalab_sgemm is oneDNN's row-major SGEMM on the calling thread alone. The
// kernels parallelise over images themselves, and OpenMP's thread count is
// a setting of the calling thread, which differs from call to call under
// Go's scheduler, so it is set on every call (a store to thread-local
// state).
static dnnl_status_t ndalab_sgemm(char transa, char transb, dnnl_dim_t m, dnnl_dim_t n,
		dnnl_dim_t k, float alpha, const float *a, dnnl_dim_t lda, const float *b,
		dnnl_dim_t ldb, float beta, float *c, dnnl_dim_t ldc) {
	omp_set_num_threads(1);
	return dnnl_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import "fmt"

// BLAS names the GEMM implementation this build uses.
const BLAS = "onednn"

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	status := C.ndalab_sgemm(dnnlTrans(transA), dnnlTrans(transB),
		C.dnnl_dim_t(m), C.dnnl_dim_t(n), C.dnnl_dim_t(k),
		C.float(alpha), (*C.float)(&a[0]), C.dnnl_dim_t(lda),
		(*C.float)(&b[0]), C.dnnl_dim_t(ldb),
		C.float(beta), (*C.float)(&c[0]), C.dnnl_dim_t(ldc))
	if status != C.dnnl_success {
		// Sgemm checked the shapes, so this is oneDNN failing (out of
		// memory for its packing buffers, say), not a caller's mistake.
		panic(fmt.Sprintf("kernels: oneDNN sgemm %d×%d×%d failed with status %d", m, n, k, status))
	}
}

func dnnlTrans(t bool) C.char {
	if t {
		return 'T'
	}
	return 'N'
}
