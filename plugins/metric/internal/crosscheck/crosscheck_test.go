package crosscheck

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/plugins/metric/auroc"
	"github.com/ndalab/ndalab/plugins/metric/fid"
	"github.com/ndalab/ndalab/plugins/metric/kid"
	"github.com/ndalab/ndalab/plugins/metric/knn"
	"github.com/ndalab/ndalab/plugins/metric/linearprobe"
	"github.com/ndalab/ndalab/plugins/metric/prdc"
	"gonum.org/v1/gonum/mat"
)

var dump = flag.String("dump", "", "write each case's data as JSON into this directory")

// setup describes one data set: real features N(0, 1); generated ones
// shift + scale·N(0, 1) + mix·(the real sample's next feature), so the two
// covariances do not commute; scores on a grid of 1/4 so many tie.
type setup struct {
	name              string
	n, d              int
	shift, scale, mix float64
}

type data struct {
	gen, real *mat.Dense
	pos, neg  []float64
}

func (s setup) data() data {
	r := rand.New(rand.NewPCG(42, 1))
	gen, real := mat.NewDense(s.n, s.d, nil), mat.NewDense(s.n, s.d, nil)
	for i := range s.n {
		for j := range s.d {
			real.Set(i, j, float64(float32(r.NormFloat64())))
			v := s.shift + s.scale*r.NormFloat64() + s.mix*real.At(i, (j+1)%s.d)
			gen.Set(i, j, float64(float32(v)))
		}
	}
	pos, neg := make([]float64, 3000), make([]float64, 2000)
	for i := range pos {
		pos[i] = math.Round(4*(r.NormFloat64()+1)) / 4
	}
	for i := range neg {
		neg[i] = math.Round(4*r.NormFloat64()) / 4
	}
	return data{gen, real, pos, neg}
}

// reference holds the values testdata/crosscheck.py printed.
type reference struct {
	fid, mmd                             float64
	precision, recall, density, coverage float64
	auroc, fpr95, aupr                   float64
}

func TestCrossCheck(t *testing.T) {
	cases := []struct {
		setup
		want reference
	}{
		{setup{"far", 500, 64, 0.2, 1.3, 0.5}, reference{
			fid: 14.39394934899451, mmd: 0.16285166764290882,
			precision: 0.034, recall: 1.0, density: 0.008, coverage: 0.04,
			auroc: 0.7549133333333333, fpr95: 0.8005, aupr: 0.8045277068083264,
		}},
		{setup{"near", 600, 8, 0.1, 1.1, 0.2}, reference{
			fid: 0.2531718420609579, mmd: 0.04996067213465327,
			precision: 0.875, recall: 0.9733333333333334, density: 0.8196666666666668, coverage: 0.935,
			auroc: 0.7476328333333333, fpr95: 0.8075, aupr: 0.7999719363382249,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dt := c.data()
			if *dump != "" {
				writeJSON(t, filepath.Join(*dump, c.name+".json"), c.n, c.d, dt)
			}
			check := func(what string, got, want, relTol float64) {
				t.Helper()
				if math.Abs(got-want) > relTol*math.Max(math.Abs(want), 1e-3) {
					t.Errorf("%s = %.15g, reference %.15g", what, got, want)
				}
			}

			// FID: float64 throughout; scipy's sqrtm agrees to ~1e-10.
			sg, err := fid.ComputeStats(dt.gen)
			if err != nil {
				t.Fatal(err)
			}
			sr, err := fid.ComputeStats(dt.real)
			if err != nil {
				t.Fatal(err)
			}
			fd, err := fid.Distance(sg, sr, 0)
			if err != nil {
				t.Fatal(err)
			}
			check("fid", fd, c.want.fid, 1e-8)

			// KID's dot products are float32: 1e-7 relative.
			check("mmd²", kid.UnbiasedMMD2(dt.gen, dt.real), c.want.mmd, 1e-7)

			pr, err := prdc.Evaluate(context.Background(), dt.real, dt.gen, 5)
			if err != nil {
				t.Fatal(err)
			}
			check("precision", pr.Precision, c.want.precision, 1e-12)
			check("recall", pr.Recall, c.want.recall, 1e-12)
			check("density", pr.Density, c.want.density, 1e-12)
			check("coverage", pr.Coverage, c.want.coverage, 1e-12)

			s, err := auroc.Evaluate(dt.pos, dt.neg)
			if err != nil {
				t.Fatal(err)
			}
			check("auroc", s.AUROC, c.want.auroc, 1e-12)
			check("fpr95", s.FPR95, c.want.fpr95, 1e-12)
			check("aupr", s.AUPR, c.want.aupr, 1e-12)
		})
	}
}

func writeJSON(t *testing.T, path string, n, d int, dt data) {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"n": n, "d": d, "gen": dt.gen.RawMatrix().Data, "real": dt.real.RawMatrix().Data,
		"pos": dt.pos, "neg": dt.neg,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// knnData draws overlapping clusters: 10 classes in 16 dimensions, centres
// N(0, 1), noise N(0, 2²), so accuracy is far below 100 % and the votes matter.
func knnData() (train, test *mat.Dense, trainY, testY []int) {
	r := rand.New(rand.NewPCG(7, 1))
	const classes, d = 10, 16
	centres := mat.NewDense(classes, d, nil)
	for i := range classes {
		for j := range d {
			centres.Set(i, j, r.NormFloat64())
		}
	}
	draw := func(n int) (*mat.Dense, []int) {
		x, y := mat.NewDense(n, d, nil), make([]int, n)
		for i := range n {
			y[i] = r.IntN(classes)
			for j := range d {
				x.Set(i, j, float64(float32(centres.At(y[i], j)+2*r.NormFloat64())))
			}
		}
		return x, y
	}
	train, trainY = draw(2000)
	test, testY = draw(500)
	return train, test, trainY, testY
}

func TestCrossCheckKNN(t *testing.T) {
	// scikit-learn's KNeighborsClassifier(n_neighbors=20, metric="cosine",
	// algorithm="brute", weights=exp((1 - cosine distance)/0.07)) predicts
	// 288 of the 500 test labels right on this data.
	train, test, trainY, testY := knnData()
	if *dump != "" {
		b, err := json.Marshal(map[string]any{"train": train.RawMatrix().Data, "test": test.RawMatrix().Data,
			"train_y": trainY, "test_y": testY, "d": 16})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*dump, "knn.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pred, err := knn.Classify(context.Background(), train, trainY, test, 20, 0.07)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, p := range pred {
		if p == testY[i] {
			right++
		}
	}
	if right != 288 {
		t.Errorf("%d of 500 right, scikit-learn gets 288", right)
	}
}

// probeData is a small 3-class problem whose classes overlap, so the
// regularised optimum is interior and unique.
func probeData() (*mat.Dense, []int) {
	r := rand.New(rand.NewPCG(9, 1))
	const n, d = 300, 5
	x, y := mat.NewDense(n, d, nil), make([]int, n)
	for i := range n {
		y[i] = i % 3
		for j := range d {
			x.Set(i, j, float64(float32(r.NormFloat64()+0.8*float64(y[i]*(j%2))+float64(j))))
		}
	}
	return x, y
}

func TestCrossCheckProbeOptimum(t *testing.T) {
	// Mean cross-entropy + (wd/2)|W|² is scikit-learn's multinomial
	// LogisticRegression with C = 1/(wd·N) (intercepts unpenalised), so
	// long full-batch training must reach its coefficients on the
	// standardised features. scikit-learn (lbfgs, tol 1e-12) gives the
	// values below.
	x, y := probeData()
	if *dump != "" {
		b, err := json.Marshal(map[string]any{"x": x.RawMatrix().Data, "y": y, "d": 5, "wd": 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*dump, "probe.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := linearprobe.Train(context.Background(), x, y, 3, linearprobe.Options{
		Epochs: 3000, BatchSize: 300, LR: 0.5, Momentum: 0.9, WeightDecay: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	wantW := mat.NewDense(3, 5, []float64{
		0.12093626975956111, -1.0066988595679223, -0.04705718618067453, -1.096572538272619, -0.16417207676745482,
		-0.12094971507629128, -0.04130610386398408, 0.009153536362151646, -0.04049694840416729, 0.023679817498589217,
		1.3445316730575724e-05, 1.0480049634319064, 0.037903649818523885, 1.137069486676786, 0.14049225926886533,
	})
	wantB := []float64{-0.23930782585170726, 0.513239202110977, -0.2739313762592703}
	if !mat.EqualApprox(p.W, wantW, 1e-4) {
		t.Errorf("W = %v\nscikit-learn: %v", mat.Formatted(p.W), mat.Formatted(wantW))
	}
	for c, w := range wantB {
		if math.Abs(p.B[c]-w) > 1e-4 {
			t.Errorf("b[%d] = %v, scikit-learn %v", c, p.B[c], w)
		}
	}
}
