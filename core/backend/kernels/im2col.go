package kernels

// im2col lays out the receptive fields of one image x (C×H×W) as the columns
// of cols: row (c, kh, kw) holds, for every output position p, the input
// value that kernel tap meets there (0 in the padding). cols has row stride
// ld and this image's columns start at column off, so several images can
// share one wide matrix.
func im2col(s ConvShape, x, cols []float32, ld, off int) {
	oh, ow := s.OutH(), s.OutW()
	row := 0
	for c := range s.C {
		plane := x[c*s.H*s.W : (c+1)*s.H*s.W]
		for kh := range s.KH {
			for kw := range s.KW {
				dst := cols[row*ld+off : row*ld+off+oh*ow]
				fillTap(s, plane, dst, kh, kw, oh, ow)
				row++
			}
		}
	}
}

// fillTap writes one im2col row: tap (kh, kw) of one input plane over all
// output positions.
func fillTap(s ConvShape, plane, dst []float32, kh, kw, oh, ow int) {
	// Output columns whose input column lies inside the image: iw = ox*S - P
	// + kw in [0, W). Computing the range once keeps the inner loop free of
	// bounds tests.
	lo, hi := validRange(ow, s.W, s.Stride, kw-s.Pad)
	for oy := range oh {
		d := dst[oy*ow : (oy+1)*ow]
		iy := oy*s.Stride - s.Pad + kh
		if iy < 0 || iy >= s.H {
			clear(d)
			continue
		}
		src := plane[iy*s.W : (iy+1)*s.W]
		clear(d[:lo])
		clear(d[hi:])
		ix := lo*s.Stride - s.Pad + kw
		if s.Stride == 1 {
			copy(d[lo:hi], src[ix:ix+hi-lo])
			continue
		}
		for ox := lo; ox < hi; ox++ {
			d[ox] = src[ix]
			ix += s.Stride
		}
	}
}

// col2im is the adjoint of im2col: it adds every entry of cols back onto the
// input position it was read from. dx (one image, C×H×W) must be zeroed by
// the caller when it should hold only this gradient.
func col2im(s ConvShape, cols []float32, ld, off int, dx []float32) {
	oh, ow := s.OutH(), s.OutW()
	row := 0
	for c := range s.C {
		plane := dx[c*s.H*s.W : (c+1)*s.H*s.W]
		for kh := range s.KH {
			for kw := range s.KW {
				src := cols[row*ld+off : row*ld+off+oh*ow]
				addTap(s, src, plane, kh, kw, oh, ow)
				row++
			}
		}
	}
}

func addTap(s ConvShape, src, plane []float32, kh, kw, oh, ow int) {
	lo, hi := validRange(ow, s.W, s.Stride, kw-s.Pad)
	for oy := range oh {
		iy := oy*s.Stride - s.Pad + kh
		if iy < 0 || iy >= s.H {
			continue
		}
		d := plane[iy*s.W : (iy+1)*s.W]
		r := src[oy*ow : (oy+1)*ow]
		ix := lo*s.Stride - s.Pad + kw
		if s.Stride == 1 {
			n := hi - lo
			addTo(d[ix:ix+n], r[lo:hi])
			continue
		}
		for ox := lo; ox < hi; ox++ {
			d[ix] += r[ox]
			ix += s.Stride
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

// addTo adds src to dst element-wise; len(src) must be len(dst).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
