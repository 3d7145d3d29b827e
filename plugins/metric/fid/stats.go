package fid

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

// Stats are the first two moments of a feature set: the statistics FID
// compares. Cov is the unbiased (N-1) covariance, as numpy.cov computes it,
// so values agree with pytorch-fid on the same features.
type Stats struct {
	Mean []float64     // D values
	Cov  *mat.SymDense // D×D
	N    int           // samples the moments were computed from
}

// Dim returns D, the feature width.
func (s Stats) Dim() int { return len(s.Mean) }

func (s Stats) validate(what string) error {
	if s.Cov == nil || len(s.Mean) == 0 {
		return fmt.Errorf("%w: fid: %s statistics are empty", core.ErrInvalidArgument, what)
	}
	if d := s.Cov.SymmetricDim(); d != len(s.Mean) {
		return fmt.Errorf("%w: fid: %s statistics: mean has %d values, covariance is %d×%d",
			core.ErrInvalidArgument, what, len(s.Mean), d, d)
	}
	return nil
}

// covBlock is the column block width of the covariance product. Computing
// only the blocks on and above the diagonal saves 3/8 of the flops against a
// full Xᵀ·X, while each block product stays large enough for gonum's Dgemm
// to split across cores (gonum's Dsyrk, the textbook choice, is serial).
const covBlock = 128

// ComputeStats returns the mean and unbiased covariance of the rows of x
// (N×D, N ≥ 2). x is not modified.
func ComputeStats(x *mat.Dense) (Stats, error) {
	n, d := x.Dims()
	if n < 2 {
		return Stats{}, fmt.Errorf("%w: fid: statistics need at least 2 samples, got %d",
			core.ErrInvalidArgument, n)
	}

	// Centre into a transposed copy (D×N): the block products below are
	// then dot products over long contiguous rows, about twice as fast in
	// gonum as the axpy kernel that Xᵀ·X on the row-major X would use.
	mean := make([]float64, d)
	for i := range n {
		for j, v := range x.RawRowView(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	xt := mat.NewDense(d, n, nil)
	raw := xt.RawMatrix()
	for i := range n {
		for j, v := range x.RawRowView(i) {
			raw.Data[j*raw.Stride+i] = v - mean[j]
		}
	}

	// Upper-triangular blocks of Xc·Xcᵀ / (N-1), Xc the centred D×N copy.
	cov := mat.NewSymDense(d, nil)
	scale := 1 / float64(n-1)
	var blk mat.Dense
	for bi := 0; bi < d; bi += covBlock {
		ei := min(bi+covBlock, d)
		a := xt.Slice(bi, ei, 0, n)
		for bj := bi; bj < d; bj += covBlock {
			ej := min(bj+covBlock, d)
			blk.Reset()
			blk.Mul(a, xt.Slice(bj, ej, 0, n).T())
			for i := bi; i < ei; i++ {
				for j := max(i, bj); j < ej; j++ {
					cov.SetSym(i, j, blk.At(i-bi, j-bj)*scale)
				}
			}
		}
	}
	return Stats{Mean: mean, Cov: cov, N: n}, nil
}

// StatsOf computes the statistics of a feature batch (N×D×1×1), the form the
// runner holds; it is what a caller stores with Cache.Save.
func StatsOf(b *core.Batch) (Stats, error) {
	if err := b.Validate(); err != nil {
		return Stats{}, fmt.Errorf("fid: statistics: %w", err)
	}
	if b.Shape[2] != 1 || b.Shape[3] != 1 || b.Shape[1] < 1 || b.N() < 2 {
		return Stats{}, fmt.Errorf("%w: fid: statistics need features N×D×1×1, N ≥ 2, got %v",
			core.ErrInvalidArgument, b.Shape)
	}
	data := make([]float64, len(b.Data))
	for i, v := range b.Data {
		data[i] = float64(v)
	}
	return ComputeStats(mat.NewDense(b.N(), b.Shape[1], data))
}
