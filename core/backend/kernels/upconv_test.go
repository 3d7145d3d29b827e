package kernels

import (
	"fmt"
	"testing"
)

// TestUp2Conv3 checks the phase decomposition against upsampling followed
// by the plain convolution, and its gradients by finite differences.
func TestUp2Conv3(t *testing.T) {
	for _, tc := range []struct{ c, h, w, k, n, workers int }{
		{3, 4, 5, 2, 3, 1}, {5, 7, 7, 4, 4, 2}, {6, 3, 3, 1, 2, 2},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_k%d_w%d", tc.c, tc.h, tc.w, tc.k, tc.workers), func(t *testing.T) {
			r := newRand(15)
			x := randSlice(r, tc.n*tc.c*tc.h*tc.w)
			w := randSlice(r, tc.k*tc.c*9)
			b := randSlice(r, tc.k)
			u := NewUp2Conv3(tc.c, tc.h, tc.w, tc.k, tc.workers)
			y := make([]float32, tc.n*u.OutSize())
			u.Forward(tc.n, x, w, b, y)

			up := make([]float32, tc.n*tc.c*4*tc.h*tc.w)
			Upsample2Forward(tc.n*tc.c, tc.h, tc.w, x, up)
			s := ConvShape{C: tc.c, H: 2 * tc.h, W: 2 * tc.w, K: tc.k, KH: 3, KW: 3, Stride: 1, Pad: 1}
			closeTo(t, "y", y, naiveConv(s, tc.n, up, w, b), 1e-4)

			probe := randSlice(r, len(y))
			loss := func() float64 { u.Forward(tc.n, x, w, b, y); return dot(y, probe) }
			loss()
			dx := make([]float32, len(x))
			dw := make([]float32, len(w))
			db := make([]float32, len(b))
			dy := append([]float32(nil), probe...)
			u.ActivateBackward(tc.n, y, dy, db)
			u.Backward(tc.n, x, dy, w, dx, dw)
			checkGrad(t, "dx", x, dx, loss)
			checkGrad(t, "dw", w, dw, loss)
			checkGrad(t, "db", b, db, loss)
		})
	}
}

// BenchmarkUp2Conv3 times the reference generator's first convolution
// (7×7 → 14×14, 128 → 64 channels, batch 64) forward and both backward
// passes, against upsampling plus the plain convolution.
func BenchmarkUp2Conv3(b *testing.B) {
	const n, c, h, k = 64, 128, 7, 64
	r := newRand(16)
	x := randSlice(r, n*c*h*h)
	w := randSlice(r, k*c*9)
	b.Run("phases", func(b *testing.B) {
		u := NewUp2Conv3(c, h, h, k, 2)
		y := make([]float32, n*u.OutSize())
		dx, dw := make([]float32, len(x)), make([]float32, len(w))
		for b.Loop() {
			u.Forward(n, x, w, nil, y)
			u.Backward(n, x, y, w, dx, dw)
		}
	})
	b.Run("upsample+conv", func(b *testing.B) {
		cv := NewConv(ConvShape{C: c, H: 2 * h, W: 2 * h, K: k, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2)
		up := make([]float32, n*c*4*h*h)
		dup := make([]float32, len(up))
		y := make([]float32, n*k*4*h*h)
		dx, dw := make([]float32, len(x)), make([]float32, len(w))
		for b.Loop() {
			Upsample2Forward(n*c, h, h, x, up)
			cv.Forward(n, up, w, nil, y)
			cv.Backward(n, up, y, w, dup, dw, nil)
			Upsample2Backward(n*c, h, h, dup, dx)
		}
	})
}
