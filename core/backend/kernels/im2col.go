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
	row := 0
	for c := range s.C {
		for kh := range s.KH {
			for kw := range s.KW {
				dst := cols[row*ld+off : row*ld+off+oh*ow]
				for oy := range oh {
					src := pad[(c*hp+oy*s.Stride+kh)*wp+kw:]
					d := dst[oy*ow : (oy+1)*ow]
					switch s.Stride {
					case 1:
						copy(d, src[:ow])
					case 2:
						if ow == 7 {
							// The reference discriminator's 14 → 7 layer:
							// fixed-size arrays, one bounds test each.
							a, b := (*[7]float32)(d), (*[13]float32)(src)
							a[0], a[1], a[2], a[3] = b[0], b[2], b[4], b[6]
							a[4], a[5], a[6] = b[8], b[10], b[12]
							break
						}
						src = src[:2*ow-1]
						for ox := range d {
							d[ox] = src[2*ox]
						}
					default:
						src = src[:(ow-1)*s.Stride+1]
						for ox := range d {
							d[ox] = src[ox*s.Stride]
						}
					}
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
	row := 0
	for c := range s.C {
		for kh := range s.KH {
			for kw := range s.KW {
				src := cols[row*ld+off : row*ld+off+oh*ow]
				for oy := range oh {
					d := dpad[(c*hp+oy*s.Stride+kh)*wp+kw:]
					r := src[oy*ow : (oy+1)*ow]
					switch s.Stride {
					case 1:
						addTo(d[:ow], r)
					case 2:
						if ow == 7 {
							a, b := (*[7]float32)(r), (*[13]float32)(d)
							b[0] += a[0]
							b[2] += a[1]
							b[4] += a[2]
							b[6] += a[3]
							b[8] += a[4]
							b[10] += a[5]
							b[12] += a[6]
							break
						}
						d = d[:2*ow-1]
						for ox, v := range r {
							d[2*ox] += v
						}
					default:
						d = d[:(ow-1)*s.Stride+1]
						for ox, v := range r {
							d[ox*s.Stride] += v
						}
					}
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
