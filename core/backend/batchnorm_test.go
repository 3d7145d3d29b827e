package backend

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnInput is 8×2×3×3 with channel 0 around 3 and channel 1 around -1·0.5.
func bnInput() []float32 {
	r := rand.New(rand.NewPCG(9, 9))
	x := make([]float32, 8*2*9)
	for n := range 8 {
		for i := range 9 {
			x[(n*2+0)*9+i] = float32(3 + 2*r.NormFloat64())
			x[(n*2+1)*9+i] = float32(-1 + 0.5*r.NormFloat64())
		}
	}
	return x
}

// plainStats computes a channel's mean and biased variance of bnInput.
func plainStats(x []float32, c int) (mean, variance float64) {
	var vals []float64
	for n := range 8 {
		for i := range 9 {
			vals = append(vals, float64(x[(n*2+c)*9+i]))
		}
	}
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	for _, v := range vals {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(vals))
}

func runBN(t *testing.T, bn *BatchNorm, mode Mode, x []float32) []float32 {
	t.Helper()
	g, err := NewGraph(GraphOptions{Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	in := g.Input("x", 8, 2, 3, 3)
	y, err := bn.Forward(g, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(nil); err != nil {
		t.Fatal(err)
	}
	if err := in.Set(x); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	out, err := Float32s(y)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBatchNormTrainEval(t *testing.T) {
	const tol = 1e-4
	ps := NewParams("BN", tensor.Float32, 1)
	bn := NewBatchNorm(ps, "bn", 2)
	x := bnInput()

	// Training: each channel comes out with mean 0 and variance 1, and the
	// running statistics move a tenth of the way to the batch's (unbiased
	// variance).
	y := runBN(t, bn, Mode{Train: true}, x)
	for c := range 2 {
		m, v := plainStats(y, c)
		if math.Abs(m) > tol || math.Abs(v-1) > 1e-3 {
			t.Errorf("train channel %d: mean %g variance %g, want 0 and 1", c, m, v)
		}
		bm, bv := plainStats(x, c)
		wantMean, wantVar := 0.1*bm, 0.9+0.1*bv*72/71
		if got := float64(bn.Mean.Value.Float32s()[c]); math.Abs(got-wantMean) > tol {
			t.Errorf("running mean %d = %g, want %g", c, got, wantMean)
		}
		if got := float64(bn.Var.Value.Float32s()[c]); math.Abs(got-wantVar) > tol {
			t.Errorf("running var %d = %g, want %g", c, got, wantVar)
		}
	}

	// Frozen statistics stay put.
	rm := Float64s(bn.Mean.Value)
	runBN(t, bn, Mode{Train: true, FreezeStats: true}, x)
	if got := Float64s(bn.Mean.Value); got[0] != rm[0] || got[1] != rm[1] {
		t.Errorf("frozen running mean moved from %v to %v", rm, got)
	}

	// Evaluation uses the running statistics and the affine part.
	SetFloat64s(bn.Gamma.Value, []float64{2, -1})
	SetFloat64s(bn.Beta.Value, []float64{0.5, 0.25})
	y = runBN(t, bn, Mode{}, x)
	rv := Float64s(bn.Var.Value)
	gamma, beta := []float64{2, -1}, []float64{0.5, 0.25}
	for i, v := range x {
		c := (i / 9) % 2
		want := (float64(v)-rm[c])/math.Sqrt(rv[c]+DefaultBNEps)*gamma[c] + beta[c]
		if math.Abs(float64(y[i])-want) > tol*math.Max(1, math.Abs(want)) {
			t.Fatalf("eval y[%d] = %g, want %g", i, y[i], want)
		}
	}
	if got := Float64s(bn.Mean.Value); got[0] != rm[0] {
		t.Errorf("eval moved the running mean")
	}
}

func TestConditionalBatchNormUsesLabels(t *testing.T) {
	ps := NewParams("CBN", tensor.Float32, 1)
	cbn := NewConditionalBatchNorm(ps, "cbn", 2, 3)
	SetFloat64s(cbn.Gain.W.Value, []float64{1, 1, 2, 2, -1, -1})
	SetFloat64s(cbn.Bias.W.Value, []float64{0, 0, 10, 10, 0, 0})
	g, err := NewGraph(GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := g.Input("x", 3, 2)
	labels := g.Input("labels", 3)
	y, err := cbn.Forward(g, x.Node, labels.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Compile(nil); err != nil {
		t.Fatal(err)
	}
	_ = x.Set([]float32{1, 2, 1, 2, 1, 2})
	_ = labels.SetLabels([]int32{0, 1, 2})
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	out, _ := Float32s(y)

	// Eval mode, running mean 0 and variance 1: x̂ ≈ x.
	s := float32(1 / math.Sqrt(1+DefaultBNEps))
	want := []float32{1 * s, 2 * s, 2*s + 10, 4*s + 10, -1 * s, -2 * s}
	for i := range want {
		if math.Abs(float64(out[i]-want[i])) > 1e-5 {
			t.Errorf("y[%d] = %g, want %g", i, out[i], want[i])
		}
	}

	_ = labels.SetLabels([]int32{0, 3, 1})
	if err := g.Run(); err == nil {
		t.Errorf("label 3 of a 3-class table: no error")
	}
}

// TestBatchNormTracksIntermediate: running statistics of a batch norm deep
// in a graph with a backward pass match the statistics of its input worked
// out by hand, so the machine's memory reuse does not corrupt what the
// after-run hook reads.
func TestBatchNormTracksIntermediate(t *testing.T) {
	const n, in = 6, 5
	ps := NewParams("BN", tensor.Float32, 4)
	l := NewLinear(ps, "fc", LinearConfig{In: in, Out: 2 * 2 * 2, Init: Normal(0.5)})
	SetFloat64s(l.B.Value, []float64{0.1, 0.2, 0.3, 0.4, -0.1, -0.2, -0.3, -0.4})
	bn := NewBatchNorm(ps, "bn", 2)
	g, err := NewGraph(GraphOptions{Mode: Mode{Train: true}})
	if err != nil {
		t.Fatal(err)
	}
	x := g.Input("x", n, in)
	h, err := l.Forward(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	h = gorgonia.Must(gorgonia.Reshape(h, []int{n, 2, 2, 2}))
	h, err = bn.Forward(g, h)
	if err != nil {
		t.Fatal(err)
	}
	h, err = Tanh(h)
	if err != nil {
		t.Fatal(err)
	}
	loss := gorgonia.Must(gorgonia.Mean(gorgonia.Must(gorgonia.Square(h))))
	if err := g.Compile(loss, ps.Trainable()...); err != nil {
		t.Fatal(err)
	}
	xs := make([]float32, n*in)
	for i := range xs {
		xs[i] = float32(math.Sin(float64(i)))
	}
	_ = x.Set(xs)
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}

	// The linear output by hand, channel c = feature / 4.
	w, b := Float64s(l.W.Value), Float64s(l.B.Value)
	for c := range 2 {
		var vals []float64
		for i := range n {
			for f := c * 4; f < (c+1)*4; f++ {
				s := b[f]
				for j := range in {
					s += float64(xs[i*in+j]) * w[f*in+j]
				}
				vals = append(vals, s)
			}
		}
		var mean float64
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		if got := float64(bn.Mean.Value.Float32s()[c]); math.Abs(got-0.1*mean) > 1e-5 {
			t.Errorf("running mean %d = %g, want %g", c, got, 0.1*mean)
		}
	}
}
