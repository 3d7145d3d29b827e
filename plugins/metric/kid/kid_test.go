package kid

import (
	"context"
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

func TestUnbiasedMMD2ByHand(t *testing.T) {
	// d = 2, k(a,b) = (a·b/2 + 1)³. X = {(0,0), (1,1)}, Y = {(0,0), (2,0)}.
	// XX off-diagonal: k((0,0),(1,1)) = 1, twice: 2/(2·1) = 1.
	// YY off-diagonal: k((0,0),(2,0)) = 1, twice: 2/(2·1) = 1.
	// XY: (0,0) with either gives 1, 1; (1,1)·(0,0) = 0 gives 1;
	// (1,1)·(2,0) = 2 gives (2/2 + 1)³ = 8; sum 11, so 2·11/2² = 5.5.
	// MMD² = 1 + 1 - 5.5 = -3.5.
	x := mat.NewDense(2, 2, []float64{0, 0, 1, 1})
	y := mat.NewDense(2, 2, []float64{0, 0, 2, 0})
	if got := UnbiasedMMD2(x, y); math.Abs(got+3.5) > 1e-12 {
		t.Errorf("MMD² = %v, want -3.5", got)
	}

	// Through the metric: one subset of m = 2 is the whole of each set.
	in := map[string]*core.Batch{
		core.InputGeneratedFeatures: {Shape: [4]int{2, 2, 1, 1}, Data: []float32{0, 0, 1, 1}},
		core.InputRealFeatures:      {Shape: [4]int{2, 2, 1, 1}, Data: []float32{0, 0, 2, 0}},
	}
	out, err := New().Compute(context.Background(), resolved(t, core.Config{"subsets": 3}), in)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(out["kid"]+3.5) > 1e-12 || out["kid_std"] > 1e-12 {
		t.Errorf("kid, kid_std = %v, %v; want -3.5, 0", out["kid"], out["kid_std"])
	}
}

func gaussian(seed uint64, n, d int, shift float64) *core.Batch {
	r := rand.New(rand.NewPCG(seed, 7))
	b := core.NewBatch(n, d, 1, 1)
	for i := range b.Data {
		b.Data[i] = float32(shift + r.NormFloat64())
	}
	return b
}

func TestKIDSameAndDifferent(t *testing.T) {
	cfg := resolved(t, core.Config{"subsets": 20, "subset_size": 500})
	ref := gaussian(1, 2000, 16, 0)
	same, err := New().Compute(context.Background(), cfg, map[string]*core.Batch{
		core.InputGeneratedFeatures: gaussian(2, 2000, 16, 0), core.InputRealFeatures: ref})
	if err != nil {
		t.Fatal(err)
	}
	diff, err := New().Compute(context.Background(), cfg, map[string]*core.Batch{
		core.InputGeneratedFeatures: gaussian(3, 2000, 16, 0.5), core.InputRealFeatures: ref})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("same: %v ± %v; shifted: %v ± %v", same["kid"], same["kid_std"], diff["kid"], diff["kid_std"])

	// Same distribution: the unbiased estimate centres on 0, within a few
	// standard errors of the subset mean.
	if se := same["kid_std"] / math.Sqrt(20); math.Abs(same["kid"]) > 4*se+1e-4 {
		t.Errorf("same distribution: kid = %v, standard error %v", same["kid"], se)
	}
	// Mean shifted by half a standard deviation in every dimension.
	if diff["kid"] < 10*diff["kid_std"] || diff["kid"] < 100*math.Abs(same["kid"]) {
		t.Errorf("shifted: kid = %v ± %v, not clearly above the same-distribution %v",
			diff["kid"], diff["kid_std"], same["kid"])
	}
}

func TestKIDDeterministicBySeed(t *testing.T) {
	in := map[string]*core.Batch{
		core.InputGeneratedFeatures: gaussian(4, 300, 8, 0.1), core.InputRealFeatures: gaussian(5, 300, 8, 0)}
	run := func(seed int) map[string]float64 {
		out, err := New().Compute(context.Background(),
			resolved(t, core.Config{"subsets": 5, "subset_size": 100, "seed": seed}), in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if a["kid"] != b["kid"] || a["kid_std"] != b["kid_std"] {
		t.Errorf("same seed, different results: %v, %v", a, b)
	}
	if a["kid"] == c["kid"] {
		t.Errorf("seeds 1 and 2 drew identical subsets: %v", a)
	}
}

func TestKIDBadInputs(t *testing.T) {
	cfg := resolved(t, nil)
	for name, in := range map[string]map[string]*core.Batch{
		"missing real": {core.InputGeneratedFeatures: gaussian(1, 10, 4, 0)},
		"width": {core.InputGeneratedFeatures: gaussian(1, 10, 4, 0),
			core.InputRealFeatures: gaussian(1, 10, 5, 0)},
		"one sample": {core.InputGeneratedFeatures: gaussian(1, 1, 4, 0),
			core.InputRealFeatures: gaussian(1, 10, 4, 0)},
	} {
		if _, err := New().Compute(context.Background(), cfg, in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkKIDDefaults10000x512 times the default 100 subsets of 1,000.
func BenchmarkKIDDefaults10000x512(b *testing.B) {
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

func TestMMD2AgainstFloat64Loops(t *testing.T) {
	// The float32 Gram path against the definition summed in float64.
	r := rand.New(rand.NewPCG(9, 9))
	m, d := 60, 33
	x, y := mat.NewDense(m, d, nil), mat.NewDense(m, d, nil)
	for i := range m {
		for j := range d {
			x.Set(i, j, r.NormFloat64())
			y.Set(i, j, 0.3+r.NormFloat64())
		}
	}
	k := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += a[i] * b[i]
		}
		v := s/float64(d) + 1
		return v * v * v
	}
	var xx, yy, xy float64
	for i := range m {
		for j := range m {
			if i != j {
				xx += k(x.RawRowView(i), x.RawRowView(j))
				yy += k(y.RawRowView(i), y.RawRowView(j))
			}
			xy += k(x.RawRowView(i), y.RawRowView(j))
		}
	}
	mf := float64(m)
	want := (xx+yy)/(mf*(mf-1)) - 2*xy/(mf*mf)
	if got := UnbiasedMMD2(x, y); math.Abs(got-want) > 1e-6*math.Abs(want)+1e-9 {
		t.Errorf("MMD² = %v, float64 loops give %v", got, want)
	}
}
