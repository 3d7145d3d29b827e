package fid

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestComputeStatsAgainstTwoPass(t *testing.T) {
	// 300 columns: more than two covariance blocks, the last one partial.
	r := rand.New(rand.NewPCG(3, 4))
	n, d := 50, 300
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x.Set(i, j, r.NormFloat64()*float64(1+j%7)+float64(j%5))
		}
	}
	before := mat.DenseCopyOf(x)
	s, err := ComputeStats(x)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(x, before) {
		t.Fatal("ComputeStats modified its input")
	}
	if s.N != n || s.Dim() != d {
		t.Fatalf("N, D = %d, %d; want %d, %d", s.N, s.Dim(), n, d)
	}

	// Textbook two-pass formulas, one entry at a time.
	for j := range d {
		var m float64
		for i := range n {
			m += x.At(i, j)
		}
		m /= float64(n)
		if math.Abs(s.Mean[j]-m) > 1e-12 {
			t.Fatalf("mean[%d] = %v, want %v", j, s.Mean[j], m)
		}
	}
	for j := range d {
		for k := j; k < d; k++ {
			var c float64
			for i := range n {
				c += (x.At(i, j) - s.Mean[j]) * (x.At(i, k) - s.Mean[k])
			}
			c /= float64(n - 1)
			if math.Abs(s.Cov.At(j, k)-c) > 1e-10 {
				t.Fatalf("cov[%d,%d] = %v, want %v", j, k, s.Cov.At(j, k), c)
			}
		}
	}
}

func TestComputeStatsTooFew(t *testing.T) {
	if _, err := ComputeStats(mat.NewDense(1, 3, nil)); err == nil {
		t.Error("one sample: no error")
	}
}

// sampleGaussian draws n samples of N(mean, diag(vars)) rotated by q.
func sampleGaussian(r *rand.Rand, n int, mean, vars []float64, q *mat.Dense) *mat.Dense {
	d := len(mean)
	x := mat.NewDense(n, d, nil)
	z := make([]float64, d)
	for i := range n {
		for j := range d {
			z[j] = r.NormFloat64() * math.Sqrt(vars[j])
		}
		row := x.RawRowView(i)
		for j := range d {
			v := mean[j]
			for k := range d {
				v += q.At(j, k) * z[k]
			}
			row[j] = v
		}
	}
	return x
}

func TestSampleFIDApproachesClosedForm(t *testing.T) {
	// Samples of two rotated Gaussians in 8 dimensions; the estimate's bias
	// and spread shrink like 1/N, so 40,000 samples land within 1 %.
	r := rand.New(rand.NewPCG(5, 6))
	d := 8
	q := randomOrthogonal(r, d)
	m1, m2 := make([]float64, d), make([]float64, d)
	v1, v2 := make([]float64, d), make([]float64, d)
	for j := range d {
		m1[j], m2[j] = float64(j)/4, float64(d-j)/4
		v1[j], v2[j] = 0.5+float64(j), 2+float64(j%3)
	}
	want := closedFormDiag(m1, v1, m2, v2)

	errAt := func(n int) float64 {
		a, err := ComputeStats(sampleGaussian(r, n, m1, v1, q))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ComputeStats(sampleGaussian(r, n, m2, v2, q))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Distance(a, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("N=%d: FID %.4f, closed form %.4f", n, got, want)
		return math.Abs(got - want)
	}
	small, large := errAt(500), errAt(40000)
	if large > 0.01*want {
		t.Errorf("N=40000: |FID - closed form| = %v, over 1%% of %v", large, want)
	}
	if large >= small {
		t.Errorf("error did not shrink with N: %v at 500, %v at 40000", small, large)
	}
}
