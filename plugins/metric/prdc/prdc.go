// Package prdc is the built-in "prdc" metric: precision, recall, density
// and coverage of generated features against real ones (Naeem et al.,
// "Reliable Fidelity and Diversity Metrics for Generative Models", 2020).
//
// Each sample gets a ball whose radius is the distance to its k-th nearest
// neighbour in its own set (itself excluded). With R the real and F the
// generated features (N×D×1×1 batches, Euclidean distance):
//
//   - precision: fraction of F inside at least one real ball;
//   - recall: fraction of R inside at least one generated ball;
//   - density: mean over F of the number of real balls containing it,
//     divided by k (about 1 when the sets match, can exceed 1);
//   - coverage: fraction of real balls that contain at least one of F.
//
// "Inside" is strictly closer than the radius, as in the authors' code.
package prdc

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// Name is the metric's registered name.
const Name = "prdc"

// Metric is the "prdc" metric. It holds no state; one value serves any
// number of concurrent Compute calls.
type Metric struct{}

// New returns the metric.
func New() *Metric { return &Metric{} }

// Describe returns the metric's descriptor.
func (*Metric) Describe(context.Context) (*core.Descriptor, error) { return descriptor(), nil }

func descriptor() *core.Descriptor {
	return &core.Descriptor{
		Kind:    core.KindMetric,
		Name:    Name,
		Version: "0.1.0",
		Doc:     "k-nearest-neighbour precision, recall, density and coverage",
		Params: []core.Param{{
			Name: "k", Type: core.TypeInt, Default: 5, Min: core.Bound(1),
			Doc: "neighbour whose distance sets each sample's radius",
		}},
		Inputs:         []string{core.InputGeneratedFeatures, core.InputRealFeatures},
		Outputs:        []string{"precision", "recall", "density", "coverage"},
		HigherIsBetter: true,
	}
}

// Compute returns the four values; both sets need more than k samples.
func (*Metric) Compute(ctx context.Context, cfg core.Config,
	in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	k := cfg.Int("k")
	gen, err := inputs.Features(Name, in, core.InputGeneratedFeatures, k+1)
	if err != nil {
		return nil, err
	}
	ref, err := inputs.Features(Name, in, core.InputRealFeatures, k+1)
	if err != nil {
		return nil, err
	}
	err = inputs.SameDim(Name, gen, ref, core.InputGeneratedFeatures, core.InputRealFeatures)
	if err != nil {
		return nil, err
	}
	r, err := Evaluate(ctx, ref, gen, k)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"precision": r.Precision, "recall": r.Recall, "density": r.Density, "coverage": r.Coverage,
	}, nil
}

// Result holds the four values; see the package doc.
type Result struct {
	Precision, Recall, Density, Coverage float64
}

// Evaluate compares generated rows gen with real rows ref (both with more
// than k rows and the same width). Memory stays at a block of rows times the
// larger set, never a full distance matrix.
func Evaluate(ctx context.Context, ref, gen *mat.Dense, k int) (Result, error) {
	nr, _ := ref.Dims()
	ng, _ := gen.Dims()
	if k < 1 || nr <= k || ng <= k {
		return Result{}, fmt.Errorf("%w: prdc: k = %d needs more than k samples per set, "+
			"got %d real, %d generated",
			core.ErrInvalidArgument, k, nr, ng)
	}

	// Squared radii: the (k+1)-th smallest distance within the set, the
	// first being the sample itself.
	rr, err := kthRadii(ctx, ref, k+1)
	if err != nil {
		return Result{}, err
	}
	rg, err := kthRadii(ctx, gen, k+1)
	if err != nil {
		return Result{}, err
	}

	// One pass over real×generated distances feeds all four values.
	inReal := make([]int, ng) // real balls holding each generated sample
	var recalled, covered int
	err = eachBlock(ctx, ref, gen, func(i int, d2 []float64) {
		rec, cov := false, false
		for j, v := range d2 {
			if v < rr[i] {
				inReal[j]++
				cov = true
			}
			if v < rg[j] {
				rec = true
			}
		}
		if rec {
			recalled++
		}
		if cov {
			covered++
		}
	})
	if err != nil {
		return Result{}, err
	}

	var precise, total int
	for _, c := range inReal {
		total += c
		if c > 0 {
			precise++
		}
	}
	return Result{
		Precision: float64(precise) / float64(ng),
		Recall:    float64(recalled) / float64(nr),
		Density:   float64(total) / float64(k*ng),
		Coverage:  float64(covered) / float64(nr),
	}, nil
}

// kthRadii returns, for each row of x, its squared distance to the rank-th
// nearest row of x counting itself (rank 1 is the row itself, distance 0).
func kthRadii(ctx context.Context, x *mat.Dense, rank int) ([]float64, error) {
	n, _ := x.Dims()
	out := make([]float64, n)
	smallest := make([]float64, 0, rank)
	err := eachBlock(ctx, x, x, func(i int, d2 []float64) {
		// Keep the rank smallest values sorted; rank is small (k+1).
		smallest = smallest[:0]
		for _, v := range d2 {
			if len(smallest) == rank && v >= smallest[rank-1] {
				continue
			}
			if len(smallest) < rank {
				smallest = append(smallest, v)
			} else {
				smallest[rank-1] = v
			}
			for p := len(smallest) - 1; p > 0 && smallest[p] < smallest[p-1]; p-- {
				smallest[p], smallest[p-1] = smallest[p-1], smallest[p]
			}
		}
		out[i] = smallest[rank-1]
	})
	return out, err
}

// blockBytes bounds the distance block held at once.
const blockBytes = 32 << 20

// eachBlock calls f(i, d2) for every row i of a, where d2[j] is the squared
// Euclidean distance between row i of a and row j of b. d2 is reused
// between calls. Distances come from one Gram product per block,
// |a|² + |b|² - 2a·b, clamped at 0 against rounding. The products run in
// float32 (the features arrive as float32, and gonum's float32 kernels are
// about 1.7 times faster); the norms and the sum are float64.
func eachBlock(ctx context.Context, a, b *mat.Dense, f func(i int, d2 []float64)) error {
	na, _ := a.Dims()
	nb, _ := b.Dims()
	sqA, sqB := rowNorms2(a), rowNorms2(b)
	a32, b32 := toFloat32(a), toFloat32(b)
	rows := max(1, min(na, blockBytes/(4*nb)))
	gram := make([]float32, rows*nb)
	d2 := make([]float64, nb)
	for r0 := 0; r0 < na; r0 += rows {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("prdc: %w: %v", core.ErrCanceled, err)
		}
		r1 := min(r0+rows, na)
		block := blas32.General{Rows: r1 - r0, Cols: a32.Cols, Stride: a32.Stride,
			Data: a32.Data[r0*a32.Stride : r1*a32.Stride]}
		g := blas32.General{Rows: r1 - r0, Cols: nb, Stride: nb, Data: gram}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, block, b32, 0, g)
		for i := r0; i < r1; i++ {
			for j, v := range g.Data[(i-r0)*nb : (i-r0+1)*nb] {
				d2[j] = max(sqA[i]+sqB[j]-2*float64(v), 0)
			}
			f(i, d2)
		}
	}
	return nil
}

func toFloat32(x *mat.Dense) blas32.General {
	n, d := x.Dims()
	out := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range n {
		for j, v := range x.RawRowView(i) {
			out.Data[i*d+j] = float32(v)
		}
	}
	return out
}

func rowNorms2(x *mat.Dense) []float64 {
	n, _ := x.Dims()
	out := make([]float64, n)
	for i := range out {
		for _, v := range x.RawRowView(i) {
			out[i] += v * v
		}
	}
	return out
}
