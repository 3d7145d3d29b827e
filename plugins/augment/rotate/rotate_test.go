package rotate

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	augtest.Check(t, New(), core.Config{})
	augtest.Check(t, New(), core.Config{"angles": "30,-45"})
}

func TestQuarterTurns(t *testing.T) {
	in := augtest.Noise(1, 4, 3, 9, 9)
	turns := []struct {
		angles string
		times  int
	}{{"90", 4}, {"270", 4}, {"180", 2}, {"-90", 4}, {"450", 4}}
	for _, tt := range turns {
		b := in
		for s := range tt.times {
			b = augtest.Apply(t, New(),
				core.AugmentRequest{Config: core.Config{"angles": tt.angles}, Step: int64(s)}, b)
			if s == 0 && augtest.Unchanged(in, b) != 0 {
				t.Fatalf("%s°: an image came back unchanged", tt.angles)
			}
		}
		if !slices.Equal(b.Data, in.Data) {
			t.Errorf("%d turns of %s° do not give the input back", tt.times, tt.angles)
		}
	}
	// 90° counter-clockwise sends the top-right pixel to the top-left.
	in = core.NewBatch(1, 1, 2, 2)
	copy(in.Data, []float32{0.1, 0.2, 0.3, 0.4})
	out := augtest.Apply(t, New(), core.AugmentRequest{Config: core.Config{"angles": "90"}}, in)
	if want := []float32{0.2, 0.4, 0.1, 0.3}; !slices.Equal(out.Data, want) {
		t.Errorf("90° of %v = %v, want %v", in.Data, out.Data, want)
	}
}

func TestBlackCorners(t *testing.T) {
	in := core.NewBatch(1, 1, 16, 16)
	for i := range in.Data {
		in.Data[i] = 1
	}
	out := augtest.Apply(t, New(), core.AugmentRequest{Config: core.Config{"angles": "45"}}, in)
	if out.Data[0] != black || out.Data[15] != black || out.Data[255] != black {
		t.Errorf("corners %v %v %v, want %v", out.Data[0], out.Data[15], out.Data[255],
			float32(black))
	}
	if c := out.Data[8*16+8]; c != 1 {
		t.Errorf("centre %v, want 1", c)
	}
}

func TestBadAngles(t *testing.T) {
	tests := []struct {
		angles string
		shape  [4]int
		want   string
	}{
		{"abc", [4]int{1, 1, 4, 4}, "not an angle"},
		{"360", [4]int{1, 1, 4, 4}, "unchanged"},
		{"90", [4]int{1, 1, 4, 6}, "square"},
		{"", [4]int{1, 1, 4, 4}, "no angles"},
	}
	for _, tt := range tests {
		in := core.NewBatch(tt.shape[0], tt.shape[1], tt.shape[2], tt.shape[3])
		_, err := New().Apply(context.Background(),
			core.AugmentRequest{Config: core.Config{"angles": tt.angles}}, in)
		if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) ||
			!strings.Contains(err.Error(), "angles") {
			t.Errorf("angles %q: error %v, want one naming \"angles\" and %q", tt.angles, err,
				tt.want)
		}
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }

func BenchmarkApplyAnyAngle(b *testing.B) { augtest.Bench(b, New(), core.Config{"angles": "30"}) }
