//go:build !openblas

package backend

import "gonum.org/v1/gonum/blas/gonum"

// blasImpl is gonum's pure-Go BLAS, gorgonia's default as well.
var blasImpl gonum.Implementation

const blasName = "gonum"

// useBLAS leaves gorgonia and tensor on their default, gonum's BLAS.
func useBLAS() {}
