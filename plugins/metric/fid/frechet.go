package fid

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

// DefaultEps is the diagonal offset added to both covariances when the
// square-root term is not finite, the value pytorch-fid uses.
const DefaultEps = 1e-6

// Distance returns the Fréchet distance between the Gaussians N(a.Mean,
// a.Cov) and N(b.Mean, b.Cov):
//
//	|μa - μb|² + Tr(Σa) + Tr(Σb) - 2 Tr((Σa Σb)^½)
//
// The last term never forms the non-symmetric product Σa Σb. For
// covariances A and B, Tr((AB)^½) is the sum of the square roots of the
// eigenvalues of AB, and AB has the eigenvalues of the symmetric positive
// semi-definite matrices Lᵀ B L (where A = L Lᵀ, the Cholesky factor) and
// A^½ B A^½. Distance uses the Cholesky form when A is positive definite
// and the symmetric square root of A otherwise, so only symmetric
// eigendecompositions are needed.
//
// As pytorch-fid does, if that term is not finite, eps·I (eps ≤ 0 means
// DefaultEps) is added to both covariances and the term recomputed. Tiny
// negative eigenvalues from rounding have a purely imaginary square root and
// contribute nothing, which is what taking the real part does.
func Distance(a, b Stats, eps float64) (float64, error) {
	if err := a.validate("first"); err != nil {
		return 0, err
	}
	if err := b.validate("second"); err != nil {
		return 0, err
	}
	if a.Dim() != b.Dim() {
		return 0, fmt.Errorf("%w: fid: statistics of width %d and %d cannot be compared",
			core.ErrInvalidArgument, a.Dim(), b.Dim())
	}
	if eps <= 0 {
		eps = DefaultEps
	}

	var diff2 float64
	for i, m := range a.Mean {
		d := m - b.Mean[i]
		diff2 += d * d
	}
	trA, trB := symTrace(a.Cov), symTrace(b.Cov)

	tr, ok := traceSqrtProduct(a.Cov, b.Cov, 0, sqrtAuto)
	if !ok {
		tr, ok = traceSqrtProduct(a.Cov, b.Cov, eps, sqrtAuto)
		if !ok {
			return 0, fmt.Errorf("%w: fid: square root of the covariance product is not finite "+
				"even with offset %g", core.ErrInvalidArgument, eps)
		}
	}
	d := diff2 + trA + trB - 2*tr
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return 0, fmt.Errorf("%w: fid: distance is %v", core.ErrInvalidArgument, d)
	}
	return d, nil
}

func symTrace(s *mat.SymDense) float64 {
	var t float64
	for i := range s.SymmetricDim() {
		t += s.At(i, i)
	}
	return t
}

// sqrtMethod picks how traceSqrtProduct symmetrises the product; tests pin
// each one, callers use sqrtAuto.
type sqrtMethod int

const (
	sqrtAuto     sqrtMethod = iota // Cholesky, falling back to eigen
	sqrtCholesky                   // Lᵀ B L; fails when A is not positive definite
	sqrtEigen                      // A^½ B A^½
)

// traceSqrtProduct returns Tr(((A+off·I)(B+off·I))^½) and whether it is
// finite. A Cholesky factorisation (d³/3 flops) is much cheaper than the
// eigenvectors A^½ needs (about 9d³), which is what keeps FID on 512-d
// features fast; the eigen route covers singular A (fewer samples than
// features).
func traceSqrtProduct(a, b *mat.SymDense, off float64, method sqrtMethod) (float64, bool) {
	d := a.SymmetricDim()
	if off != 0 {
		a, b = offset(a, off), offset(b, off)
	}

	var left mat.Dense // M = leftᵀ · B · left, similar to A·B
	useEigen := method == sqrtEigen
	if !useEigen {
		var chol mat.Cholesky
		if chol.Factorize(a) {
			var l mat.TriDense
			chol.LTo(&l)
			left.CloneFrom(&l)
		} else if method == sqrtCholesky {
			return 0, false
		} else {
			useEigen = true
		}
	}
	if useEigen {
		var eig mat.EigenSym
		if !eig.Factorize(a, true) {
			return 0, false
		}
		vals := eig.Values(nil)
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		// A^½ = V Λ^½ Vᵀ, so (A^½)ᵀ B A^½ = V (Λ^½ Vᵀ B V Λ^½) Vᵀ, which has
		// the eigenvalues of the bracket: left = V Λ^½ is enough.
		left.CloneFrom(&vecs)
		for j, v := range vals {
			s := math.Sqrt(max(v, 0))
			for i := range d {
				left.Set(i, j, left.At(i, j)*s)
			}
		}
	}

	var bl, m mat.Dense
	bl.Mul(b, &left)
	m.Mul(left.T(), &bl)
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}

	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, false
	}
	var tr float64
	for _, v := range eig.Values(nil) {
		tr += math.Sqrt(max(v, 0))
	}
	return tr, !math.IsNaN(tr) && !math.IsInf(tr, 0)
}

func offset(s *mat.SymDense, off float64) *mat.SymDense {
	c := mat.NewSymDense(s.SymmetricDim(), nil)
	c.CopySym(s)
	for i := range c.SymmetricDim() {
		c.SetSym(i, i, c.At(i, i)+off)
	}
	return c
}
