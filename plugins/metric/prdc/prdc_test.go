package prdc

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

func resolved(t testing.TB, cfg core.Config) core.Config {
	t.Helper()
	desc, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := desc.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := desc.Resolve(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func features(d int, v ...float32) *core.Batch {
	return &core.Batch{Shape: [4]int{len(v) / d, d, 1, 1}, Data: v}
}

func compute(t *testing.T, k int, gen, ref *core.Batch) map[string]float64 {
	t.Helper()
	out, err := New().Compute(context.Background(), resolved(t, core.Config{"k": k}),
		map[string]*core.Batch{core.InputGeneratedFeatures: gen, core.InputRealFeatures: ref})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func check(t *testing.T, got map[string]float64, want map[string]float64, tol float64) {
	t.Helper()
	for k, w := range want {
		if math.Abs(got[k]-w) > tol {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

func TestByHand1D(t *testing.T) {
	// Real {0, 1, 2, 3}, k = 1: every real radius is 1 (nearest other real).
	// Generated {0.5, 10}: radius of each is 9.5 (the other one).
	// 0.5 is within 0.5 < 1 of reals 0 and 1; 10 is in no real ball:
	// precision 1/2, density (2 + 0)/(1·2) = 1.
	// Reals 0 and 1 have a generated sample inside their ball, 2 (1.5 away)
	// and 3 do not: coverage 2/4.
	// Every real is within 2.5 < 9.5 of 0.5: recall 1.
	got := compute(t, 1, features(1, 0.5, 10), features(1, 0, 1, 2, 3))
	check(t, got, map[string]float64{"precision": 0.5, "density": 1, "coverage": 0.5, "recall": 1}, 1e-12)
}

func gaussian(seed uint64, n, d int, shift float64) *core.Batch {
	r := rand.New(rand.NewPCG(seed, 5))
	b := core.NewBatch(n, d, 1, 1)
	for i := range b.Data {
		b.Data[i] = float32(shift + r.NormFloat64())
	}
	return b
}

func TestIdenticalSets(t *testing.T) {
	// Each generated sample sits on its real twin (distance 0 < radius), and
	// each real ball holds its twin, so three values are exactly 1.
	x := gaussian(1, 400, 8, 0)
	got := compute(t, 5, x, x.Clone())
	check(t, got, map[string]float64{"precision": 1, "recall": 1, "coverage": 1}, 0)
	if d := got["density"]; d < 0.8 || d > 1.2 {
		t.Errorf("density of identical sets = %v, want about 1", d)
	}
}

func TestSameDistribution(t *testing.T) {
	// Two samples of one distribution: coverage ≈ 1 - 2^-k (Naeem et al.,
	// eq. 8, for large N) = 0.969 at k = 5; density near 1.
	got := compute(t, 5, gaussian(2, 2000, 4, 0), gaussian(3, 2000, 4, 0))
	t.Logf("%v", got)
	if c := got["coverage"]; math.Abs(c-(1-1/32.0)) > 0.02 {
		t.Errorf("coverage = %v, want 0.969 ± 0.02", c)
	}
	if d := got["density"]; math.Abs(d-1) > 0.1 {
		t.Errorf("density = %v, want 1 ± 0.1", d)
	}
}

func TestDisjointSets(t *testing.T) {
	got := compute(t, 3, gaussian(4, 200, 6, 100), gaussian(5, 200, 6, 0))
	check(t, got, map[string]float64{"precision": 0, "recall": 0, "density": 0, "coverage": 0}, 0)
}

func TestTooFewSamples(t *testing.T) {
	_, err := New().Compute(context.Background(), resolved(t, core.Config{"k": 5}),
		map[string]*core.Batch{
			core.InputGeneratedFeatures: gaussian(1, 5, 2, 0),
			core.InputRealFeatures:      gaussian(1, 50, 2, 0),
		})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("5 generated samples with k = 5: %v, want ErrInvalidArgument", err)
	}
}

// BenchmarkPRDC10000x512 runs the metric on 10,000 generated and 10,000
// real 512-d features.
func BenchmarkPRDC10000x512(b *testing.B) {
	cfg := resolved(b, nil)
	in := map[string]*core.Batch{
		core.InputGeneratedFeatures: gaussian(1, 10000, 512, 0.1),
		core.InputRealFeatures:      gaussian(2, 10000, 512, 0),
	}
	for b.Loop() {
		if _, err := New().Compute(context.Background(), cfg, in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBlockDistances(t *testing.T) {
	// Squared distances from the float32 Gram path against the definition
	// summed in float64.
	r := rand.New(rand.NewPCG(8, 8))
	a, b := mat.NewDense(7, 5, nil), mat.NewDense(9, 5, nil)
	for _, m := range []*mat.Dense{a, b} {
		rows, cols := m.Dims()
		for i := range rows {
			for j := range cols {
				m.Set(i, j, 3*r.NormFloat64())
			}
		}
	}
	seen := 0
	err := eachBlock(context.Background(), a, b, func(i int, d2 []float64) {
		seen++
		for j := range d2 {
			var want float64
			for k := range 5 {
				d := a.At(i, k) - b.At(j, k)
				want += d * d
			}
			if math.Abs(d2[j]-want) > 1e-5*(1+want) {
				t.Errorf("d²(%d, %d) = %v, want %v", i, j, d2[j], want)
			}
		}
	})
	if err != nil || seen != 7 {
		t.Errorf("visited %d rows (err %v), want 7", seen, err)
	}
}
