package inception

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomFmap(r *rand.Rand, c, h, w int) *fmap {
	x := newFmap(c, h, w)
	for i := range x.data {
		x.data[i] = float32(r.NormFloat64())
	}
	return x
}

// directConv is the textbook convolution loop with bias and ReLU.
func directConv(cv *conv, x *fmap) *fmap {
	s := cv.spec
	ho := (x.h+2*s.ph-s.kh)/s.stride + 1
	wo := (x.w+2*s.pw-s.kw)/s.stride + 1
	out := newFmap(s.out, ho, wo)
	for o := range s.out {
		for oy := range ho {
			for ox := range wo {
				sum := float64(cv.bias[o])
				for c := range s.in {
					for ky := range s.kh {
						for kx := range s.kw {
							iy, ix := oy*s.stride-s.ph+ky, ox*s.stride-s.pw+kx
							if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w {
								continue
							}
							w := cv.weight[((o*s.in+c)*s.kh+ky)*s.kw+kx]
							sum += float64(w) * float64(x.data[(c*x.h+iy)*x.w+ix])
						}
					}
				}
				out.data[(o*ho+oy)*wo+ox] = float32(max(sum, 0))
			}
		}
	}
	return out
}

func TestConvAgainstDirectLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []convSpec{
		basic("k3s2", 3, 5, 3, 2, 0),
		basic("k5p2", 4, 6, 5, 1, 2),
		basic("k1", 7, 3, 1, 1, 0),
		rect("k1x7", 3, 4, 1, 7),
		rect("k3x1", 3, 4, 3, 1),
		// Not in Inception, but apply takes any spec: stride with padding,
		// a strided 1×1, a wide kernel with stride 3.
		basic("k3s2p1", 3, 5, 3, 2, 1),
		basic("k1s2", 4, 3, 1, 2, 0),
		basic("k7s3p3", 2, 3, 7, 3, 3),
	} {
		cv := &conv{spec: s, weight: make([]float32, s.out*s.in*s.kh*s.kw), bias: make([]float32, s.out)}
		for i := range cv.weight {
			cv.weight[i] = float32(r.NormFloat64())
		}
		for i := range cv.bias {
			cv.bias[i] = float32(r.NormFloat64())
		}
		x := randomFmap(r, s.in, 11, 9)
		got, want := cv.apply(x), directConv(cv, x)
		if got.c != want.c || got.h != want.h || got.w != want.w {
			t.Fatalf("%v: shape %d×%d×%d, want %d×%d×%d", s, got.c, got.h, got.w, want.c, want.h, want.w)
		}
		for i := range got.data {
			if math.Abs(float64(got.data[i]-want.data[i])) > 1e-4 {
				t.Fatalf("%v: value %d = %v, want %v", s, i, got.data[i], want.data[i])
			}
		}
	}
}

func TestPoolsByHand(t *testing.T) {
	ones := newFmap(1, 3, 3)
	for i := range ones.data {
		ones.data[i] = 1
	}
	// Corner of a 3×3 average pool with padding 1 covers 4 image cells:
	// 4/9 counting padding, 4/4 without; the centre covers all 9.
	if v := avgPool3(ones, true).data; math.Abs(float64(v[0])-4.0/9) > 1e-7 || v[4] != 1 {
		t.Errorf("average pool counting padding: %v", v)
	}
	if v := avgPool3(ones, false).data; v[0] != 1 || v[4] != 1 {
		t.Errorf("average pool without padding: %v", v)
	}

	// 5×5 ramp 0..24, max pool 3×3 stride 2: windows end at rows/cols 2, 4,
	// so the maxima are the values at (2,2), (2,4), (4,2), (4,4).
	ramp := newFmap(1, 5, 5)
	for i := range ramp.data {
		ramp.data[i] = float32(i)
	}
	got := maxPool3(ramp, 2, 0).data
	for i, want := range []float32{12, 14, 22, 24} {
		if got[i] != want {
			t.Errorf("max pool: %v, want [12 14 22 24]", got)
			break
		}
	}
}

func TestResizeBilinearLikePyTorch(t *testing.T) {
	// torch.nn.functional.interpolate of [[0, 1], [2, 3]] to 4×4, bilinear,
	// align_corners=False. Row 0: source y = 0.5·0.5 - 0.5 < 0, clamped to
	// 0; columns sample x = -0.25→0, 0.25, 0.75, 1.25→1 (clamped):
	// 0, 0.25, 0.75, 1. Row 1 samples y = 0.25: 0.75·row0 + 0.25·row1.
	x := &fmap{c: 1, h: 2, w: 2, data: []float32{0, 1, 2, 3}}
	want := []float32{
		0, 0.25, 0.75, 1,
		0.5, 0.75, 1.25, 1.5,
		1.5, 1.75, 2.25, 2.5,
		2, 2.25, 2.75, 3,
	}
	got := resizeBilinear(x, 4).data
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("resize = %v, want %v", got, want)
		}
	}
}
