package inception

import (
	"math"

	"github.com/ndalab/ndalab/core/backend/kernels"
)

// fmap is one image's feature map, C×H×W row-major.
type fmap struct {
	c, h, w int
	data    []float32
}

func newFmap(c, h, w int) *fmap { return &fmap{c: c, h: h, w: w, data: make([]float32, c*h*w)} }

// conv is a convolution with batch norm folded in (weights scaled, bias
// added) followed by ReLU: every convolution of Inception-v3 is one.
type conv struct {
	spec   convSpec
	weight []float32 // out × (in·kh·kw), row-major
	bias   []float32 // out
}

// apply runs the convolution on x: one float32 GEMM of the weights by the
// (C·kh·kw)×(Ho·Wo) patch matrix, written straight into the C×Ho×Wo
// output. A 1×1 convolution of stride 1 (40 of Inception's 94) needs no
// patch matrix: the image is one already.
//
// The GEMM is core/backend/kernels' Sgemm: oneDNN or OpenBLAS in builds
// with the onednn or openblas tag, gonum's pure-Go BLAS otherwise (about 5
// GFLOPS per core, many times slower).
func (cv *conv) apply(x *fmap) *fmap {
	s := cv.spec
	ho := (x.h+2*s.ph-s.kh)/s.stride + 1
	wo := (x.w+2*s.pw-s.kw)/s.stride + 1
	k := x.c * s.kh * s.kw
	patches := x.data
	if s.kh != 1 || s.kw != 1 || s.stride != 1 || s.ph != 0 || s.pw != 0 {
		patches = im2col(x, s, ho, wo)
	}

	out := newFmap(s.out, ho, wo)
	kernels.Sgemm(false, false, s.out, ho*wo, k, 1, cv.weight, k, patches, ho*wo, 0, out.data, ho*wo)
	for c := range s.out {
		plane := out.data[c*ho*wo : (c+1)*ho*wo]
		for i, v := range plane {
			plane[i] = max(v+cv.bias[c], 0)
		}
	}
	return out
}

// im2col lays x out as the patch matrix of convolution s: row
// (c·kh + ky)·kw + kx holds, for every output position, the input cell under
// tap (ky, kx) of channel c, zero where the tap falls in the padding.
func im2col(x *fmap, s convSpec, ho, wo int) []float32 {
	p := ho * wo
	cols := make([]float32, x.c*s.kh*s.kw*p)
	row := 0
	for c := range x.c {
		plane := x.data[c*x.h*x.w : (c+1)*x.h*x.w]
		for ky := range s.kh {
			for kx := range s.kw {
				dst := cols[row*p : (row+1)*p]
				row++
				// Output columns [lo, hi) read inside the image.
				lo, hi := inside(kx-s.pw, s.stride, x.w, wo)
				for oy := range ho {
					iy := oy*s.stride - s.ph + ky
					if iy < 0 || iy >= x.h || lo >= hi {
						continue // stays zero
					}
					src := plane[iy*x.w:]
					d := dst[oy*wo : (oy+1)*wo]
					ix := lo*s.stride + kx - s.pw
					if s.stride == 1 {
						copy(d[lo:hi], src[ix:ix+hi-lo])
						continue
					}
					for ox := lo; ox < hi; ox++ {
						d[ox] = src[ix]
						ix += s.stride
					}
				}
			}
		}
	}
	return cols
}

// inside returns the output indices [lo, hi) of n outputs whose input index
// o·stride + off lies in [0, size).
func inside(off, stride, size, n int) (lo, hi int) {
	for lo < n && lo*stride+off < 0 {
		lo++
	}
	hi = n
	for hi > lo && (hi-1)*stride+off >= size {
		hi--
	}
	return lo, hi
}

// maxPool3 is a 3×3 max pool with the given stride and padding; padded
// cells never win.
func maxPool3(x *fmap, stride, pad int) *fmap {
	return pool3(x, stride, pad, func(win []float32, rows, cols, w int) float32 {
		m := float32(math.Inf(-1))
		for r := range rows {
			for _, v := range win[r*w : r*w+cols] {
				m = max(m, v)
			}
		}
		return m
	})
}

// avgPool3 is a 3×3 average pool, stride 1, padding 1. With includePad the
// divisor is always 9 (PyTorch's count_include_pad=True, torchvision's
// Inception); without, it is the number of cells inside the image (the
// pytorch-fid variant).
func avgPool3(x *fmap, includePad bool) *fmap {
	return pool3(x, 1, 1, func(win []float32, rows, cols, w int) float32 {
		var s float32
		for r := range rows {
			for _, v := range win[r*w : r*w+cols] {
				s += v
			}
		}
		if includePad {
			return s / 9
		}
		return s / float32(rows*cols)
	})
}

// pool3 applies f to the in-image part of every 3×3 window: rows × cols
// cells starting at win[0], rows w apart.
func pool3(x *fmap, stride, pad int, f func(win []float32, rows, cols, w int) float32) *fmap {
	ho := (x.h+2*pad-3)/stride + 1
	wo := (x.w+2*pad-3)/stride + 1
	out := newFmap(x.c, ho, wo)
	for c := range x.c {
		plane := x.data[c*x.h*x.w : (c+1)*x.h*x.w]
		for oy := range ho {
			y0, y1 := max(oy*stride-pad, 0), min(oy*stride-pad+3, x.h)
			for ox := range wo {
				x0, x1 := max(ox*stride-pad, 0), min(ox*stride-pad+3, x.w)
				out.data[(c*ho+oy)*wo+ox] = f(plane[y0*x.w+x0:], y1-y0, x1-x0, x.w)
			}
		}
	}
	return out
}

// concat stacks feature maps of one spatial size along channels.
func concat(parts ...*fmap) *fmap {
	c := 0
	for _, p := range parts {
		c += p.c
	}
	h, w := parts[0].h, parts[0].w
	out := &fmap{c: c, h: h, w: w, data: make([]float32, 0, c*h*w)}
	for _, p := range parts {
		if p.h != out.h || p.w != out.w {
			panic("inception: concat of maps of different sizes (architecture bug)")
		}
		out.data = append(out.data, p.data...)
	}
	return out
}

// meanPool averages every channel over space: the 2048-d pool3 features.
func meanPool(x *fmap) []float32 {
	out := make([]float32, x.c)
	n := x.h * x.w
	for c := range x.c {
		var s float64
		for _, v := range x.data[c*n : (c+1)*n] {
			s += float64(v)
		}
		out[c] = float32(s / float64(n))
	}
	return out
}

// resizeBilinear scales one C×H×W image to C×size×size with PyTorch's
// bilinear interpolation (align_corners=False), as pytorch-fid resizes its
// inputs to 299×299.
func resizeBilinear(x *fmap, size int) *fmap {
	if x.h == size && x.w == size {
		return x
	}
	out := newFmap(x.c, size, size)
	sy, sx := float64(x.h)/float64(size), float64(x.w)/float64(size)
	for oy := range size {
		y0, y1, fy := source(oy, sy, x.h)
		for ox := range size {
			x0, x1, fx := source(ox, sx, x.w)
			for c := range x.c {
				p := x.data[c*x.h*x.w:]
				top := (1-fx)*float64(p[y0*x.w+x0]) + fx*float64(p[y0*x.w+x1])
				bot := (1-fx)*float64(p[y1*x.w+x0]) + fx*float64(p[y1*x.w+x1])
				out.data[(c*size+oy)*size+ox] = float32((1-fy)*top + fy*bot)
			}
		}
	}
	return out
}

// source maps output index o to the two input indices it blends and the
// weight of the second, with half-pixel centres clamped at the border.
func source(o int, scale float64, n int) (int, int, float64) {
	s := max((float64(o)+0.5)*scale-0.5, 0)
	i0 := min(int(s), n-1)
	i1 := min(i0+1, n-1)
	return i0, i1, s - float64(i0)
}
