package backend

import (
	"errors"
	"math"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// TestAdamHandComputed checks three steps on one scalar against values
// worked out by hand from Kingma & Ba's update (lr 0.1, β 0.9/0.999,
// ε 1e-8, gradients 0.5, -1, 0.25).
func TestAdamHandComputed(t *testing.T) {
	ps := NewParams("A", tensor.Float64, 1)
	p := ps.Weight("p", Constant(1), 1)
	opt, err := NewAdam(ps, AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct{ grad, want float64 }{
		{0.5, 0.900000002},
		{-1, 0.9366103542405654},
		{0.25, 0.9502794203389762},
	}
	for i, s := range steps {
		g := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{s.grad}))
		if err := opt.Step([]Grad{{P: p, G: g}}); err != nil {
			t.Fatal(err)
		}
		if got := p.Value.Float64s()[0]; math.Abs(got-s.want) > 1e-12 {
			t.Errorf("step %d: p = %.16g, want %.16g", i+1, got, s.want)
		}
	}
	if opt.Steps() != 3 {
		t.Errorf("steps = %d, want 3", opt.Steps())
	}
}

func TestAdamRejects(t *testing.T) {
	ps := NewParams("A", tensor.Float32, 1)
	p := ps.Weight("p", Constant(1), 2)
	for _, cfg := range []AdamConfig{
		{LR: 0, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8},
		{LR: 1e-3, Beta1: 1, Beta2: 0.999, Eps: 1e-8},
		{LR: 1e-3, Beta1: 0.5, Beta2: -0.1, Eps: 1e-8},
		{LR: 1e-3, Beta1: 0.5, Beta2: 0.999, Eps: 0},
	} {
		if _, err := NewAdam(ps, cfg); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("NewAdam(%+v) error = %v, want invalid argument", cfg, err)
		}
	}
	opt, err := NewAdam(ps, AdamConfig{LR: 1e-3, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	other := NewParams("B", tensor.Float32, 1).Weight("q", Constant(0), 2)
	err = opt.Step([]Grad{{P: other, G: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2))}})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("step with a foreign parameter: error = %v, want invalid argument", err)
	}
	err = opt.Step([]Grad{{P: p, G: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(3))}})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("step with a misshapen gradient: error = %v, want invalid argument", err)
	}
}

// TestEMA runs in both dtypes: float32 is the models' in-place path.
func TestEMA(t *testing.T) {
	for _, tc := range []struct {
		dtype tensor.Dtype
		tol   float64
	}{{tensor.Float64, 1e-12}, {tensor.Float32, 1e-6}} {
		t.Run(tc.dtype.String(), func(t *testing.T) { testEMA(t, tc.dtype, tc.tol) })
	}
}

func testEMA(t *testing.T, dtype tensor.Dtype, tol float64) {
	ps := NewParams("G", dtype, 1)
	w := ps.Weight("w", Constant(2), 2)
	ema, err := NewEMA(ps, 0.9, 2)
	if err != nil {
		t.Fatal(err)
	}

	// Step 1 is before the start: the average copies.
	SetFloat64s(w.Value, []float64{4, 6})
	ema.Update(1)
	// Step 2 averages: 0.9·4 + 0.1·10 = 4.6 and 0.9·6 + 0.1·0 = 5.4.
	SetFloat64s(w.Value, []float64{10, 0})
	ema.Update(2)
	want := []float64{4.6, 5.4}
	shadow := Float64s(ema.Tensors()[0].T)
	for i := range want {
		if math.Abs(shadow[i]-want[i]) > tol {
			t.Errorf("average[%d] = %g, want %g", i, shadow[i], want[i])
		}
	}

	ema.Swap()
	if got := Float64s(w.Value); got[0] != shadow[0] || got[1] != shadow[1] {
		t.Errorf("after swap live = %v, want %v", got, shadow)
	}
	ema.Swap()
	if got := Float64s(w.Value); got[0] != 10 || got[1] != 0 {
		t.Errorf("after swapping back live = %v, want [10 0]", got)
	}
	if _, err := NewEMA(ps, 1, 0); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("decay 1: error = %v, want invalid argument", err)
	}
}
