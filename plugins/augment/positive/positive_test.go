package positive

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestProperties(t *testing.T) {
	for _, v := range []core.Augmentation{NewCrop(), NewFlip(), NewJitter(), NewBlur(),
		NewCompose()} {
		d, _ := v.Describe(context.Background())
		t.Run(d.Name, func(t *testing.T) { augtest.Check(t, v, core.Config{}) })
	}
	t.Run("grayscale", func(t *testing.T) {
		augtest.CheckShape(t, NewGrayscale(), core.Config{"p": 0.5}, [4]int{16, 3, 32, 32})
	})
	t.Run("compose all", func(t *testing.T) {
		augtest.Check(t, NewCompose(), core.Config{"steps": "crop,flip,jitter,grayscale,blur"})
	})
}

func apply(t *testing.T, v core.Augmentation, cfg core.Config, in *core.Batch) *core.Batch {
	t.Helper()
	return augtest.Apply(t, v, core.AugmentRequest{Config: cfg, Role: core.RolePositive, Seed: 1,
		Step: 2}, in)
}

func TestFlipMirrors(t *testing.T) {
	in := augtest.Noise(1, 4, 3, 5, 7)
	out := apply(t, NewFlip(), core.Config{"p": 1}, in)
	for i := range in.N() {
		a, b := in.Sample(i), out.Sample(i)
		for row := range 3 * 5 {
			for x := range 7 {
				if b[row*7+x] != a[row*7+6-x] {
					t.Fatalf("image %d row %d is not mirrored", i, row)
				}
			}
		}
	}
	if same := apply(t, NewFlip(), core.Config{"p": 0}, in); !slices.Equal(same.Data, in.Data) {
		t.Fatal("p=0 flipped")
	}
	// p=0.5: about half the images of a large batch are mirrored.
	big := augtest.Noise(2, 2000, 1, 4, 4)
	f := float64(augtest.Unchanged(big, apply(t, NewFlip(), core.Config{}, big))) / 2000
	if math.Abs(f-0.5) > augtest.BinomialBound(0.5, 2000) {
		t.Fatalf("%.3f of images unflipped at p=0.5", f)
	}
}

func TestFullCropIsIdentity(t *testing.T) {
	in := augtest.Noise(1, 3, 3, 8, 8)
	cfg := core.Config{"scale_min": 1, "scale_max": 1, "ratio_min": 1, "ratio_max": 1}
	out := apply(t, NewCrop(), cfg, in)
	for i, v := range out.Data {
		if math.Abs(float64(v-in.Data[i])) > 1e-6 {
			t.Fatalf("value %d: %v, want %v", i, v, in.Data[i])
		}
	}
}

func TestCropZooms(t *testing.T) {
	// A left-to-right ramp: a crop scaled back keeps it increasing along
	// each row, and a small crop narrows its range.
	in := core.NewBatch(64, 1, 16, 16)
	for i := range in.N() {
		s := in.Sample(i)
		for y := range 16 {
			for x := range 16 {
				s[y*16+x] = float32(x)/7.5 - 1
			}
		}
	}
	out := apply(t, NewCrop(), core.Config{"scale_min": 0.1, "scale_max": 0.3}, in)
	for i := range out.N() {
		row := out.Sample(i)[:16]
		if !slices.IsSorted(row) || row[15]-row[0] > 1.5 || row[15]-row[0] < 0.3 {
			t.Fatalf("image %d first row %v: want an increasing part of the ramp", i, row)
		}
	}
}

func TestJitter(t *testing.T) {
	in := augtest.Noise(1, 8, 3, 8, 8)
	same := apply(t, NewJitter(), core.Config{"brightness": 0, "contrast": 0, "p": 1}, in)
	for i, v := range same.Data {
		if math.Abs(float64(v-in.Data[i])) > 1e-6 {
			t.Fatalf("factors 1 changed value %d: %v -> %v", i, in.Data[i], v)
		}
	}
	// Brightness alone on a mid-grey image: every value scales by one factor.
	grey := core.NewBatch(50, 1, 2, 2)
	out := apply(t, NewJitter(), core.Config{"contrast": 0, "p": 1}, grey)
	for i := range out.N() {
		s := out.Sample(i)
		f := s[0] + 1 // 0 maps to 0.5 in [0, 1], then 0.5·b, then b-1
		if f < 0.6-1e-6 || f > 1.4+1e-6 || s[1] != s[0] {
			t.Fatalf("image %d: brightness factor %v outside [0.6, 1.4]", i, f)
		}
	}
}

func TestContrastAroundMeanGrey(t *testing.T) {
	// Contrast alone: every pixel moves away from (or towards) the image's
	// mean luminance by one factor k, then clips to [0, 1].
	in := augtest.Noise(3, 20, 3, 6, 6)
	out := apply(t, NewJitter(), core.Config{"brightness": 0, "p": 1}, in)
	for i := range in.N() {
		a, b := in.Sample(i), out.Sample(i)
		var mean float64
		for j := range 36 {
			mean += (lumR*float64(a[j]+1) + lumG*float64(a[36+j]+1) + lumB*float64(a[72+j]+1)) / 2 / 36
		}
		// k from the pixel farthest from the mean that did not clip.
		far := -1
		for j := range a {
			if math.Abs(float64(b[j])) < 0.999 && (far < 0 ||
				math.Abs(float64(a[j]+1)/2-mean) > math.Abs(float64(a[far]+1)/2-mean)) {
				far = j
			}
		}
		k := (float64(b[far]+1)/2 - mean) / (float64(a[far]+1)/2 - mean)
		if k < 0.6-1e-3 || k > 1.4+1e-3 {
			t.Fatalf("image %d: contrast factor %.3f outside [0.6, 1.4]", i, k)
		}
		for j := range a {
			want := math.Max(0, math.Min(1, (float64(a[j]+1)/2-mean)*k+mean))*2 - 1
			if math.Abs(float64(b[j])-want) > 1e-4 {
				t.Fatalf("image %d value %d: %v, want %v (k %.3f)", i, j, b[j], want, k)
			}
		}
	}
}

func TestGrayscale(t *testing.T) {
	in := augtest.Noise(1, 6, 3, 4, 4)
	out := apply(t, NewGrayscale(), core.Config{"p": 1}, in)
	for i := range out.N() {
		s := out.Sample(i)
		for j := range 16 {
			a := in.Sample(i)
			want := float32(lumR)*a[j] + float32(lumG)*a[16+j] + float32(lumB)*a[32+j]
			if s[j] != s[16+j] || s[j] != s[32+j] || math.Abs(float64(s[j]-want)) > 1e-6 {
				t.Fatalf("image %d pixel %d: %v %v %v, want %v thrice", i, j, s[j], s[16+j],
					s[32+j], want)
			}
		}
	}
}

func TestBlur(t *testing.T) {
	flat := core.NewBatch(4, 3, 8, 8)
	for i := range flat.Data {
		flat.Data[i] = 0.3
	}
	out := apply(t, NewBlur(), core.Config{"p": 1, "kernel": 5}, flat)
	for _, v := range out.Data {
		if math.Abs(float64(v)-0.3) > 1e-6 {
			t.Fatalf("blur changed a flat image: %v", v)
		}
	}
	in := augtest.Noise(1, 4, 1, 16, 16)
	out = apply(t, NewBlur(), core.Config{"p": 1, "sigma_min": 1, "sigma_max": 1}, in)
	variance := func(v []float32) float64 {
		var s, s2 float64
		for _, x := range v {
			s, s2 = s+float64(x), s2+float64(x)*float64(x)
		}
		n := float64(len(v))
		return s2/n - (s/n)*(s/n)
	}
	if a, b := variance(in.Data), variance(out.Data); b > 0.5*a {
		t.Fatalf("blur of noise kept variance %.3f of %.3f", b, a)
	}
}

func TestBadConfig(t *testing.T) {
	ctx := context.Background()
	in := augtest.Noise(1, 2, 3, 8, 8)
	tests := []struct {
		aug core.Augmentation
		req core.AugmentRequest
	}{
		{NewCompose(), core.AugmentRequest{Config: core.Config{"steps": "crop,solarize"}}},
		{NewCompose(), core.AugmentRequest{Config: core.Config{"steps": ""}}},
		{NewFlip(), core.AugmentRequest{Config: core.Config{"p": 1.5}}},
		{NewFlip(), core.AugmentRequest{Role: core.RoleNegative}},
		{NewBlur(), core.AugmentRequest{Config: core.Config{"kernel": 1}}},
	}
	for _, tt := range tests {
		if _, err := tt.aug.Apply(ctx, tt.req, in); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%v: error %v, want ErrInvalidArgument", tt.req, err)
		}
	}
}

func BenchmarkCrop(b *testing.B)      { augtest.Bench(b, NewCrop(), core.Config{}) }
func BenchmarkFlip(b *testing.B)      { augtest.Bench(b, NewFlip(), core.Config{}) }
func BenchmarkJitter(b *testing.B)    { augtest.Bench(b, NewJitter(), core.Config{}) }
func BenchmarkGrayscale(b *testing.B) { augtest.Bench(b, NewGrayscale(), core.Config{}) }
func BenchmarkBlur(b *testing.B)      { augtest.Bench(b, NewBlur(), core.Config{}) }
func BenchmarkCompose(b *testing.B)   { augtest.Bench(b, NewCompose(), core.Config{}) }

func TestComposeParams(t *testing.T) {
	in := augtest.Noise(1, 4, 3, 6, 6)
	cfg := core.Config{"steps": "flip", "params": "flip.p=1"}
	out := apply(t, NewCompose(), cfg, in)
	mirrored := apply(t, NewFlip(), core.Config{"p": 1}, in)
	if !slices.Equal(out.Data, mirrored.Data) {
		t.Fatal("compose with flip.p=1 does not mirror every image")
	}
}
