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
// output positions. Output rows whose input row is padding are cleared in
// one block; within a row, the columns that fall in the padding are
// cleared element by element (there are at most Pad of them), since calls
// to clear cost more than the few stores of a 7-wide map.
func fillTap(s ConvShape, plane, dst []float32, kh, kw, oh, ow int) {
	yLo, yHi := validRange(oh, s.H, s.Stride, kh-s.Pad)
	lo, hi := validRange(ow, s.W, s.Stride, kw-s.Pad)
	clear(dst[:yLo*ow])
	clear(dst[yHi*ow : oh*ow])
	n := hi - lo
	for oy := yLo; oy < yHi; oy++ {
		d := dst[oy*ow : (oy+1)*ow]
		for ox := 0; ox < lo; ox++ {
			d[ox] = 0
		}
		for ox := hi; ox < ow; ox++ {
			d[ox] = 0
		}
		iy := oy*s.Stride - s.Pad + kh
		ix := lo*s.Stride - s.Pad + kw
		src := plane[iy*s.W+ix:]
		if s.Stride == 1 {
			copy(d[lo:hi], src[:n])
			continue
		}
		dd := d[lo:hi]
		src = src[:(n-1)*s.Stride+1]
		if s.Stride == 2 {
			for j := range dd {
				dd[j] = src[2*j]
			}
			continue
		}
		for j := range dd {
			dd[j] = src[j*s.Stride]
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
	yLo, yHi := validRange(oh, s.H, s.Stride, kh-s.Pad)
	lo, hi := validRange(ow, s.W, s.Stride, kw-s.Pad)
	n := hi - lo
	for oy := yLo; oy < yHi; oy++ {
		iy := oy*s.Stride - s.Pad + kh
		ix := lo*s.Stride - s.Pad + kw
		r := src[oy*ow+lo : oy*ow+hi]
		d := plane[iy*s.W+ix:]
		if s.Stride == 1 {
			addTo(d[:n], r)
			continue
		}
		d = d[:(n-1)*s.Stride+1]
		if s.Stride == 2 {
			for j, v := range r {
				d[2*j] += v
			}
			continue
		}
		for j, v := range r {
			d[j*s.Stride] += v
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
