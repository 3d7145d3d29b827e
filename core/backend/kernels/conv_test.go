package kernels

import (
	"fmt"
	"testing"
)

// naiveConv is the textbook convolution, in float64, as the reference.
func naiveConv(s ConvShape, n int, x, w, bias []float32) []float32 {
	oh, ow := s.OutH(), s.OutW()
	y := make([]float32, n*s.OutSize())
	for i := range n {
		for k := range s.K {
			for oy := range oh {
				for ox := range ow {
					var acc float64
					if bias != nil {
						acc = float64(bias[k])
					}
					for c := range s.C {
						for kh := range s.KH {
							for kw := range s.KW {
								iy, ix := oy*s.Stride-s.Pad+kh, ox*s.Stride-s.Pad+kw
								if iy < 0 || iy >= s.H || ix < 0 || ix >= s.W {
									continue
								}
								xv := x[i*s.InSize()+(c*s.H+iy)*s.W+ix]
								wv := w[((k*s.C+c)*s.KH+kh)*s.KW+kw]
								acc += float64(xv) * float64(wv)
							}
						}
					}
					y[((i*s.K+k)*oh+oy)*ow+ox] = float32(acc)
				}
			}
		}
	}
	return y
}

var convCases = []struct {
	name string
	s    ConvShape
	n    int
}{
	{"d1 4x4/2", ConvShape{C: 1, H: 28, W: 28, K: 8, KH: 4, KW: 4, Stride: 2, Pad: 1}, 3},
	{"d2 4x4/2 grouped", ConvShape{C: 6, H: 14, W: 14, K: 5, KH: 4, KW: 4, Stride: 2, Pad: 1}, 9},
	{"g 3x3/1", ConvShape{C: 4, H: 14, W: 14, K: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}, 5},
	{"to one channel", ConvShape{C: 5, H: 12, W: 12, K: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},
	{"no pad odd", ConvShape{C: 2, H: 9, W: 7, K: 3, KH: 3, KW: 2, Stride: 3, Pad: 0}, 4},
	{"1x1", ConvShape{C: 3, H: 5, W: 5, K: 4, KH: 1, KW: 1, Stride: 1, Pad: 0}, 3},
	{"big pad", ConvShape{C: 2, H: 4, W: 4, K: 2, KH: 3, KW: 3, Stride: 1, Pad: 2}, 2},
}

func TestConvForward(t *testing.T) {
	for _, tc := range convCases {
		for _, workers := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/w%d", tc.name, workers), func(t *testing.T) {
				r := newRand(1)
				x := randSlice(r, tc.n*tc.s.InSize())
				w := randSlice(r, tc.s.WeightSize())
				b := randSlice(r, tc.s.K)
				y := make([]float32, tc.n*tc.s.OutSize())
				NewConv(tc.s, workers).Forward(tc.n, x, w, b, y)
				closeTo(t, "y", y, naiveConv(tc.s, tc.n, x, w, b), 1e-4)
			})
		}
	}
}

func TestConvFusedActivation(t *testing.T) {
	const n = 40 // enough values to run the backward pass in parallel
	for _, tc := range []struct {
		act Activation
		s   ConvShape
	}{
		{LeakyReLU, ConvShape{C: 3, H: 10, W: 10, K: 4, KH: 3, KW: 3, Stride: 2, Pad: 1}},
		{Tanh, ConvShape{C: 3, H: 10, W: 10, K: 4, KH: 3, KW: 3, Stride: 2, Pad: 1}},
		{ReLU, ConvShape{C: 6, H: 8, W: 8, K: 2, KH: 3, KW: 3, Stride: 1, Pad: 1}}, // shift path
	} {
		act, s := tc.act, tc.s
		t.Run(act.String(), func(t *testing.T) {
			r := newRand(11)
			x := randSlice(r, n*s.InSize())
			w := randSlice(r, s.WeightSize())
			b := randSlice(r, s.K)
			cv := NewConv(s, 2)
			cv.Act, cv.Slope = act, 0.2
			y := make([]float32, n*s.OutSize())
			cv.Forward(n, x, w, b, y)

			// The fused forward equals the plain one followed by BiasActivate.
			want := naiveConv(s, n, x, w, nil)
			BiasActivate(act, 0.2, n, s.K, s.OutH()*s.OutW(), b, want)
			closeTo(t, "y", y, want, 1e-4)

			probe := randSlice(r, len(y))
			got, ref := append([]float32(nil), probe...), append([]float32(nil), probe...)
			db, dbRef := make([]float32, s.K), make([]float32, s.K)
			cv.ActivateBackward(n, y, got, db)
			ActivateBackward(act, 0.2, n, s.K, s.OutH()*s.OutW(), y, ref, dbRef)
			closeTo(t, "dy", got, ref, 0)
			closeTo(t, "db", db, dbRef, 1e-5)

			// BackwardAct fuses the same step into the backward sweep.
			dx, dw := make([]float32, len(x)), make([]float32, len(w))
			cv.Backward(n, x, ref, w, dx, dw, nil)
			fused := append([]float32(nil), probe...)
			dx2, dw2, db2 := make([]float32, len(x)), make([]float32, len(w)), make([]float32, s.K)
			cv.BackwardAct(n, x, y, fused, w, dx2, dw2, db2)
			closeTo(t, "fused dx", dx2, dx, 1e-5)
			closeTo(t, "fused dw", dw2, dw, 1e-4)
			closeTo(t, "fused db", db2, dbRef, 1e-4)
		})
	}
}

func TestConvGradients(t *testing.T) {
	for _, tc := range convCases {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/w%d", tc.name, workers), func(t *testing.T) {
				s := tc.s
				r := newRand(2)
				x := randSlice(r, tc.n*s.InSize())
				w := randSlice(r, s.WeightSize())
				b := randSlice(r, s.K)
				probe := randSlice(r, tc.n*s.OutSize())
				cv := NewConv(s, workers)
				cv.KeepCols = workers == 2
				y := make([]float32, tc.n*s.OutSize())
				loss := func() float64 {
					cv.Forward(tc.n, x, w, b, y)
					return dot(y, probe)
				}

				loss() // with KeepCols, BackwardWeights reuses this pass's im2col
				dx := make([]float32, len(x))
				dw := make([]float32, len(w))
				db := make([]float32, len(b))
				cv.BackwardData(tc.n, probe, w, dx)
				cv.BackwardWeights(tc.n, x, probe, dw, db)
				checkGrad(t, "dx", x, dx, loss)
				checkGrad(t, "dw", w, dw, loss)
				checkGrad(t, "db", b, db, loss)

				// One combined sweep gives what the two passes gave.
				loss()
				dx2 := make([]float32, len(x))
				dw2 := make([]float32, len(w))
				db2 := make([]float32, len(b))
				cv.Backward(tc.n, x, probe, w, dx2, dw2, db2)
				cv.BackwardData(tc.n, probe, w, dx)
				clear(dw)
				clear(db)
				cv.BackwardWeights(tc.n, x, probe, dw, db)
				closeTo(t, "combined dx", dx2, dx, 1e-6)
				closeTo(t, "combined dw", dw2, dw, 1e-6)
				closeTo(t, "combined db", db2, db, 1e-6)

				// BackwardWeights adds: a second call doubles the gradient.
				loss() // refresh the kept im2col after the probes moved x
				cv.BackwardWeights(tc.n, x, probe, dw, db)
				for i := range dw[:min(5, len(dw))] {
					dw[i] /= 2
				}
				checkGrad(t, "dw accumulated", w[:min(5, len(w))], dw[:min(5, len(dw))], loss)
			})
		}
	}
}

// The reference D's second convolution over real, fake and NDA images.
var benchShapes = []struct {
	name string
	s    ConvShape
	n    int
}{
	{"D2-64to128-4x4s2-14px-b192", ConvShape{C: 64, H: 14, W: 14, K: 128, KH: 4, KW: 4, Stride: 2, Pad: 1}, 192},
	{"D1-1to64-4x4s2-28px-b192", ConvShape{C: 1, H: 28, W: 28, K: 64, KH: 4, KW: 4, Stride: 2, Pad: 1}, 192},
	{"G1-128to64-3x3-14px-b64", ConvShape{C: 128, H: 14, W: 14, K: 64, KH: 3, KW: 3, Stride: 1, Pad: 1}, 64},
	{"G2-64to1-3x3-28px-b64", ConvShape{C: 64, H: 28, W: 28, K: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}, 64},
}

// BenchmarkConv times forward, backward-data and backward-weights of the
// reference model's convolutions, two workers, reporting GFLOP/s.
func BenchmarkConv(b *testing.B) {
	for _, bs := range benchShapes {
		for _, pass := range []string{"fwd", "bwd-data", "bwd-weights", "all"} {
			b.Run(bs.name+"/"+pass+"/"+BLAS, func(b *testing.B) {
				s, n := bs.s, bs.n
				r := newRand(3)
				x := randSlice(r, n*s.InSize())
				w := randSlice(r, s.WeightSize())
				y := make([]float32, n*s.OutSize())
				dx := make([]float32, len(x))
				dw := make([]float32, len(w))
				cv := NewConv(s, 2)
				flops := 2.0 * float64(n*s.OutSize()) * float64(s.C*s.KH*s.KW)
				passes := 1.0
				if pass == "all" {
					passes = 3
				}
				b.ResetTimer()
				for b.Loop() {
					if pass == "fwd" || pass == "all" {
						cv.Forward(n, x, w, nil, y)
					}
					if pass == "bwd-data" || pass == "all" {
						cv.BackwardData(n, y, w, dx)
					}
					if pass == "bwd-weights" || pass == "all" {
						cv.BackwardWeights(n, x, y, dw, nil)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(flops*passes/sec/1e9, "GFLOP/s")
				b.ReportMetric(sec*1e3, "ms/op")
			})
		}
	}
}

// BenchmarkIm2col times im2col and col2im for the reference D's second
// convolution, one image at a time over 192 images.
func BenchmarkIm2col(b *testing.B) {
	s := benchShapes[0].s
	r := newRand(14)
	x := randSlice(r, s.InSize())
	ckk, p := s.C*s.KH*s.KW, s.OutH()*s.OutW()
	hp, wp := s.padded()
	pad, dpad := make([]float32, s.C*hp*wp), make([]float32, s.C*hp*wp)
	cols := make([]float32, ckk*p)
	dx := make([]float32, s.InSize())
	b.Run("im2col", func(b *testing.B) {
		for b.Loop() {
			for range 192 {
				padInto(s, x, pad)
				im2col(s, pad, cols, p, 0)
			}
		}
	})
	b.Run("col2im", func(b *testing.B) {
		for b.Loop() {
			for range 192 {
				clear(dpad)
				col2im(s, cols, p, 0, dpad)
				unpad(s, dpad, dx)
			}
		}
	})
}
