//go:build openblas

package backend

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// blasImpl is OpenBLAS through cgo. Set OPENBLAS_NUM_THREADS for
// reproducible timings; results may differ from gonum's in the last bits.
var blasImpl netlib.Implementation

const blasName = "openblas"

// useBLAS points gorgonia's and tensor's matrix products at OpenBLAS.
func useBLAS() {
	gorgonia.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{})
}
