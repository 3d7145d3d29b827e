// Package kid is the built-in "kid" metric (Kernel Inception Distance,
// Bińkowski et al. 2018): the unbiased estimate of the squared maximum mean
// discrepancy (MMD²) between generated and real features under the cubic
// polynomial kernel k(x, y) = (x·y/d + 1)³, averaged over random subsets.
//
// Like FID it receives features (N×D×1×1), not images. Unlike FID it is
// unbiased in the sample count, so KIDs from different N are comparable, but
// the subset settings still change its spread. The defaults (100 subsets of
// 1,000) are those of the reference code and torch-fidelity; at 512-d they
// cost about 300 GFLOP, roughly half a minute on two cores with gonum's
// pure-Go BLAS, so a quick evaluation may lower them.
package kid

import (
	"context"
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/internal/inputs"
	"gonum.org/v1/gonum/mat"
)

// Name is the metric's registered name.
const Name = "kid"

// Metric is the "kid" metric. It holds no state; one value serves any
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
		Doc:     "unbiased MMD² with a cubic polynomial kernel between generated and real features",
		Params: []core.Param{
			{Name: "subsets", Type: core.TypeInt, Default: 100, Min: core.Bound(1),
				Doc: "number of random subsets averaged"},
			{Name: "subset_size", Type: core.TypeInt, Default: 1000, Min: core.Bound(2),
				Doc: "samples per subset from each set (capped at the smaller set)"},
			{Name: "seed", Type: core.TypeInt, Default: 0, Doc: "seed of the subset draws"},
		},
		Inputs:         []string{core.InputGeneratedFeatures, core.InputRealFeatures},
		Outputs:        []string{"kid", "kid_std"},
		HigherIsBetter: false,
	}
}

// Compute returns {"kid": mean MMD², "kid_std": population standard
// deviation over subsets}. Each subset draws m = min(subset_size, N_gen,
// N_real) samples from each set without replacement.
func (*Metric) Compute(ctx context.Context, cfg core.Config, in map[string]*core.Batch) (map[string]float64, error) {
	cfg, err := descriptor().Resolve(cfg)
	if err != nil {
		return nil, err
	}
	gen, err := inputs.Features(Name, in, core.InputGeneratedFeatures, 2)
	if err != nil {
		return nil, err
	}
	ref, err := inputs.Features(Name, in, core.InputRealFeatures, 2)
	if err != nil {
		return nil, err
	}
	if err := inputs.SameDim(Name, gen, ref, core.InputGeneratedFeatures, core.InputRealFeatures); err != nil {
		return nil, err
	}

	ng, d := gen.Dims()
	nr, _ := ref.Dims()
	m := min(cfg.Int("subset_size"), ng, nr)
	subsets := cfg.Int("subsets")
	seed := int64(cfg.Int("seed"))
	mmds := make([]float64, subsets)
	x, y := mat.NewDense(m, d, nil), mat.NewDense(m, d, nil)
	for s := range mmds {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("kid: %w: %v", core.ErrCanceled, err)
		}
		// Draws are keyed by subset index, so subset s is the same whatever
		// the number of subsets.
		gather(x, gen, core.NewRand(seed, "metric/kid", int64(s), "generated").Perm(ng)[:m])
		gather(y, ref, core.NewRand(seed, "metric/kid", int64(s), "real").Perm(nr)[:m])
		mmds[s] = UnbiasedMMD2(x, y)
	}

	var mean, sq float64
	for _, v := range mmds {
		mean += v
	}
	mean /= float64(subsets)
	for _, v := range mmds {
		sq += (v - mean) * (v - mean)
	}
	return map[string]float64{"kid": mean, "kid_std": math.Sqrt(sq / float64(subsets))}, nil
}

// gather copies rows idx of src into dst (len(idx)×D).
func gather(dst, src *mat.Dense, idx []int) {
	for i, r := range idx {
		copy(dst.RawRowView(i), src.RawRowView(r))
	}
}

// UnbiasedMMD2 returns the unbiased MMD² estimate between the rows of x and
// y (both m×d, m ≥ 2) under k(a, b) = (a·b/d + 1)³:
//
//	Σ_{i≠j} k(xi,xj)/(m(m-1)) + Σ_{i≠j} k(yi,yj)/(m(m-1)) - 2 Σ_{i,j} k(xi,yj)/m²
//
// It may be slightly negative when the two distributions agree.
func UnbiasedMMD2(x, y *mat.Dense) float64 {
	m, d := x.Dims()
	offDiag := func(a *mat.Dense) float64 {
		s := kernelSum(a, a, d)
		for i := range m {
			s -= cubic(dot(a.RawRowView(i), a.RawRowView(i)), d)
		}
		return s
	}
	mf := float64(m)
	return (offDiag(x)+offDiag(y))/(mf*(mf-1)) - 2*kernelSum(x, y, d)/(mf*mf)
}

// kernelSum is Σ_{i,j} k(ai, bj), from one Gram matrix product.
func kernelSum(a, b *mat.Dense, d int) float64 {
	var g mat.Dense
	g.Mul(a, b.T())
	raw := g.RawMatrix()
	var s float64
	for i := range raw.Rows {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			s += cubic(v, d)
		}
	}
	return s
}

func cubic(dot float64, d int) float64 {
	v := dot/float64(d) + 1
	return v * v * v
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
