package inputs

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestShapesAndErrors(t *testing.T) {
	feat := &core.Batch{Shape: [4]int{2, 3, 1, 1}, Data: []float32{1, 2, 3, 4, 5, 6}, Labels: []int32{0, 4}}
	scores := &core.Batch{Shape: [4]int{3, 1, 1, 1}, Data: []float32{0.5, -1, 2}}
	points := &core.Batch{Shape: [4]int{2, 2, 1, 1}, Data: []float32{1, 2, 3, 4}}
	in := map[string]*core.Batch{"f": feat, "s": scores, "p": points}

	x, err := Features("m", in, "f", 2)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := x.Dims(); r != 2 || c != 3 || x.At(1, 2) != 6 {
		t.Errorf("features: %d×%d, x[1,2] = %v; want 2×3, 6", r, c, x.At(1, 2))
	}
	if s, err := Scores("m", in, "s", 1); err != nil || len(s) != 3 || s[1] != -1 {
		t.Errorf("scores: %v, %v", s, err)
	}
	if p, err := Points("m", in, "p", 1); err != nil || p[1] != [2]float64{3, 4} {
		t.Errorf("points: %v, %v", p, err)
	}
	if _, y, err := Labelled("m", in, "f", 1, 5); err != nil || y[1] != 4 {
		t.Errorf("labelled: %v, %v", y, err)
	}

	nan := scores.Clone()
	nan.Data[2] = float32(math.Inf(1))
	in["nan"] = nan
	for _, c := range []struct {
		name string
		call func() error
		want string
	}{
		{"missing", func() error { _, err := Features("m", in, "absent", 1); return err }, `"absent" is missing`},
		{"too few", func() error { _, err := Features("m", in, "f", 3); return err }, "needs at least 3"},
		{"scores of features", func() error { _, err := Scores("m", in, "f", 1); return err }, "want scores"},
		{"points of scores", func() error { _, err := Points("m", in, "s", 1); return err }, "want points"},
		{"label range", func() error { _, _, err := Labelled("m", in, "f", 1, 4); return err }, "outside [0, 4)"},
		{"unlabelled", func() error { _, _, err := Labelled("m", in, "s", 1, 4); return err }, "has no labels"},
		{"infinite", func() error { _, err := Scores("m", in, "nan", 1); return err }, "+Inf"},
	} {
		err := c.call()
		if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "metric m") {
			t.Errorf("%s: %v; want ErrInvalidArgument naming metric m and containing %q", c.name, err, c.want)
		}
	}
}
