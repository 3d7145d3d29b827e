package kernels

// im2col and col2im read from and write to a zero-padded copy of the image,
// so every tap of every output position is in bounds: the loops carry no
// range logic, which on a 7×7 output map cost more than the copies.

// padded returns the height and width of an image with Pad on every side.
func (s ConvShape) padded() (hp, wp int) { return s.H + 2*s.Pad, s.W + 2*s.Pad }

// padInto copies one image x (C×H×W) into the interior of pad (C×Hp×Wp),
// whose border must already be zero: it is never written, so a scratch
// buffer zeroed once stays valid.
func padInto(s ConvShape, x, pad []float32) {
	hp, wp := s.padded()
	for c := range s.C {
		for y := range s.H {
			copy(pad[(c*hp+y+s.Pad)*wp+s.Pad:], x[(c*s.H+y)*s.W:(c*s.H+y+1)*s.W])
		}
	}
}

// unpad copies the interior of a padded image into dx (C×H×W).
func unpad(s ConvShape, pad, dx []float32) {
	hp, wp := s.padded()
	for c := range s.C {
		for y := range s.H {
			copy(dx[(c*s.H+y)*s.W:(c*s.H+y+1)*s.W], pad[(c*hp+y+s.Pad)*wp+s.Pad:])
		}
	}
}

// im2col lays out the receptive fields of one padded image as the columns
// of cols: row (c, kh, kw) holds, for every output position p, the value
// that kernel tap meets there. cols has row stride ld and this image's
// columns start at column off, so several images can share one matrix.
func im2col(s ConvShape, pad, cols []float32, ld, off int) {
	hp, wp := s.padded()
	oh, ow := s.OutH(), s.OutW()
	span := (ow-1)*s.Stride + 1 // input columns one output row reads
	row := 0
	for c := range s.C {
		pc := pad[c*hp*wp : (c+1)*hp*wp]
		for kh := range s.KH {
			for kw := range s.KW {
				dst := cols[row*ld+off : row*ld+off+oh*ow]
				o := kh*wp + kw
				for oy := range oh {
					d, src := dst[oy*ow:(oy+1)*ow], pc[o:o+span]
					switch s.Stride {
					case 1:
						copy(d, src)
					case 2:
						gather2(d, src)
					default:
						for ox := range d {
							d[ox] = src[ox*s.Stride]
						}
					}
					o += s.Stride * wp
				}
				row++
			}
		}
	}
}

// col2im is the adjoint of im2col: it adds every entry of cols back onto the
// padded position it was read from. dpad must be zeroed by the caller.
func col2im(s ConvShape, cols []float32, ld, off int, dpad []float32) {
	hp, wp := s.padded()
	oh, ow := s.OutH(), s.OutW()
	span := (ow-1)*s.Stride + 1
	row := 0
	for c := range s.C {
		pc := dpad[c*hp*wp : (c+1)*hp*wp]
		for kh := range s.KH {
			for kw := range s.KW {
				src := cols[row*ld+off : row*ld+off+oh*ow]
				o := kh*wp + kw
				for oy := range oh {
					r, d := src[oy*ow:(oy+1)*ow], pc[o:o+span]
					switch s.Stride {
					case 1:
						addTo(d, r)
					case 2:
						scatter2(d, r)
					default:
						for ox, v := range r {
							d[ox*s.Stride] += v
						}
					}
					o += s.Stride * wp
				}
				row++
			}
		}
	}
}

// addTo adds src to dst element-wise; len(src) must be len(dst).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// gather2 sets d[j] = src[2j]. Four at a time behind one bounds test: on
// 7-wide rows the tests cost more than the moves.
func gather2(d, src []float32) {
	j := 0
	for ; j+4 <= len(d); j += 4 {
		q := src[2*j : 2*j+7 : 2*j+7]
		dd := d[j : j+4 : j+4]
		dd[0], dd[1], dd[2], dd[3] = q[0], q[2], q[4], q[6]
	}
	for ; j < len(d); j++ {
		d[j] = src[2*j]
	}
}

// scatter2 adds r[j] to d[2j], the adjoint of gather2.
func scatter2(d, r []float32) {
	j := 0
	for ; j+4 <= len(r); j += 4 {
		q := d[2*j : 2*j+7 : 2*j+7]
		rr := r[j : j+4 : j+4]
		q[0] += rr[0]
		q[2] += rr[1]
		q[4] += rr[2]
		q[6] += rr[3]
	}
	for ; j < len(r); j++ {
		d[2*j] += r[j]
	}
}
