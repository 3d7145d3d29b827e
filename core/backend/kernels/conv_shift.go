package kernels

// The shift method for stride-1 convolutions. Instead of copying every
// receptive field (im2col, C·KH·KW × OH·OW values per image), it multiplies
// the weights of each kernel tap by the whole image at once,
//
//	Z (K·KH·KW × H·W) = Wr (K·KH·KW × C) · X (C × H·W),
//
// and adds each tap's plane into the output shifted by that tap's offset.
// The backward passes gather the output gradient shifted the same way. The
// scratch is K·KH·KW × H·W, so the method pays off when K < C: a generator's
// last layer (64 → 1 channel) needs 9 rows where im2col needs 576.

// useShift reports whether the shift method moves fewer values than im2col.
func (s ConvShape) useShift() bool {
	return s.Stride == 1 && s.K*s.H*s.W < s.C*s.OutH()*s.OutW()
}

// tapMajor relays weights from K×C×KH×KW to (K·KH·KW)×C.
func tapMajor(s ConvShape, w, wr []float32) {
	kk := s.KH * s.KW
	for k := range s.K {
		for c := range s.C {
			src := w[(k*s.C+c)*kk : (k*s.C+c+1)*kk]
			for t, v := range src {
				wr[(k*kk+t)*s.C+c] = v
			}
		}
	}
}

// shiftAdd adds tap planes z ((K·KH·KW) × H·W, one image) into y (K×OH×OW).
func shiftAdd(s ConvShape, z, y []float32) {
	oh, ow := s.OutH(), s.OutW()
	lo, hi := 0, 0
	for k := range s.K {
		for kh := range s.KH {
			for kw := range s.KW {
				plane := z[((k*s.KH+kh)*s.KW+kw)*s.H*s.W:]
				lo, hi = validRange(ow, s.W, 1, kw-s.Pad)
				for oy := range oh {
					iy := oy - s.Pad + kh
					if iy < 0 || iy >= s.H {
						continue
					}
					ix := lo - s.Pad + kw
					addTo(y[(k*oh+oy)*ow+lo:(k*oh+oy)*ow+hi], plane[iy*s.W+ix:])
				}
			}
		}
	}
}

// shiftGather writes, for each output channel k and tap (kh, kw), the plane
// over input positions of dy[k] at (iy+Pad-kh, ix+Pad-kw), 0 outside: the
// gradient each input position received through that tap. dys is
// (K·KH·KW) × H·W for one image; dy is one image's K×OH×OW.
func shiftGather(s ConvShape, dy, dys []float32) {
	oh, ow := s.OutH(), s.OutW()
	for k := range s.K {
		for kh := range s.KH {
			for kw := range s.KW {
				plane := dys[((k*s.KH+kh)*s.KW+kw)*s.H*s.W:][:s.H*s.W]

				// Input columns ix with ox = ix + Pad - kw inside [0, OW).
				lo, hi := validRange(s.W, ow, 1, s.Pad-kw)
				for iy := range s.H {
					row := plane[iy*s.W : (iy+1)*s.W]
					oy := iy + s.Pad - kh
					if oy < 0 || oy >= oh {
						clear(row)
						continue
					}
					clear(row[:lo])
					clear(row[hi:])
					ox := lo + s.Pad - kw
					copy(row[lo:hi], dy[(k*oh+oy)*ow+ox:])
				}
			}
		}
	}
}

func (cv *Conv) shiftForward(n int, x, w, bias, y []float32) {
	s := cv.Shape
	kk, hw := s.KH*s.KW, s.H*s.W
	wr := grow(&cv.wr, s.WeightSize())
	tapMajor(s, w, wr)

	cv.parallel(n, func(wk, lo, hi int) {
		sc := &cv.scratch[wk]
		z := grow(&sc.cols, s.K*kk*hw)
		for i := lo; i < hi; i++ {
			xi := x[i*s.InSize() : (i+1)*s.InSize()]
			yi := y[i*s.OutSize() : (i+1)*s.OutSize()]
			Sgemm(false, false, s.K*kk, hw, s.C, 1, wr, s.C, xi, hw, 0, z, hw)
			clear(yi)
			shiftAdd(s, z, yi)
			cv.biasAct(yi, bias)
		}
	})
}

// shiftBackward computes the input gradient (dx non-nil) and adds the
// weight gradient (dw non-nil) from one shifted gather per image, first
// undoing the activation image by image when y is non-nil.
func (cv *Conv) shiftBackward(n int, x, y, dy, w, dx, dw []float32) {
	s := cv.Shape
	kk, hw := s.KH*s.KW, s.H*s.W
	var wr []float32
	if dx != nil {
		wr = grow(&cv.wr, s.WeightSize())
		tapMajor(s, w, wr)
	}

	cv.parallel(n, func(wk, lo, hi int) {
		sc := &cv.scratch[wk]
		dys := grow(&sc.cols, s.K*kk*hw)
		var acc []float32
		if dw != nil {
			acc = grow(&sc.dw, s.WeightSize())
			clear(acc)
		}
		for i := lo; i < hi; i++ {
			if y != nil {
				cv.activateBack(i, 1, y, dy, sc.db)
			}
			shiftGather(s, dy[i*s.OutSize():(i+1)*s.OutSize()], dys)
			if dw != nil {
				xi := x[i*s.InSize() : (i+1)*s.InSize()]
				Sgemm(false, true, s.K*kk, s.C, hw, 1, dys, hw, xi, hw, 1, acc, s.C)
			}
			if dx != nil {
				dxi := dx[i*s.InSize() : (i+1)*s.InSize()]
				Sgemm(true, false, s.C, hw, s.K*kk, 1, wr, s.C, dys, hw, 0, dxi, hw)
			}
		}
	})
	if dw == nil {
		return
	}

	// Sum the workers' tap-major gradients back into K×C×KH×KW order.
	for wk := range min(cv.Workers, n) {
		acc := cv.scratch[wk].dw[:s.WeightSize()]
		for k := range s.K {
			for c := range s.C {
				dst := dw[(k*s.C+c)*kk : (k*s.C+c+1)*kk]
				for t := range dst {
					dst[t] += acc[(k*kk+t)*s.C+c]
				}
			}
		}
	}
}

// validRange returns the output indices [lo, hi) of a row of n outputs whose
// input index o*stride + shift falls inside [0, size).
func validRange(n, size, stride, shift int) (lo, hi int) {
	lo = 0
	if shift < 0 {
		lo = (-shift + stride - 1) / stride
	}
	hi = n
	if last := (size - 1 - shift); last < (n-1)*stride {
		if last < 0 {
			return 0, 0
		}
		hi = last/stride + 1
	}
	return min(lo, hi), hi
}
