package kernels

// Upsample2Forward repeats every value of x (planes of h×w; n·c planes) into
// a 2×2 block of y (planes of 2h×2w): nearest-neighbour upsampling by two.
func Upsample2Forward(planes, h, w int, x, y []float32) {
	mustLen("upsample input", x, planes*h*w)
	mustLen("upsample output", y, planes*4*h*w)
	for pl := range planes {
		src := x[pl*h*w : (pl+1)*h*w]
		dst := y[pl*4*h*w : (pl+1)*4*h*w]
		for i := range h {
			row := dst[2*i*2*w : (2*i+1)*2*w]
			for j, v := range src[i*w : (i+1)*w] {
				row[2*j] = v
				row[2*j+1] = v
			}
			copy(dst[(2*i+1)*2*w:(2*i+2)*2*w], row)
		}
	}
}

// Upsample2Backward sums each 2×2 block of dy (planes of 2h×2w) into one
// value of dx (planes of h×w), overwriting dx.
func Upsample2Backward(planes, h, w int, dy, dx []float32) {
	mustLen("upsample gradient", dy, planes*4*h*w)
	mustLen("upsample input gradient", dx, planes*h*w)
	for pl := range planes {
		src := dy[pl*4*h*w : (pl+1)*4*h*w]
		dst := dx[pl*h*w : (pl+1)*h*w]
		for i := range h {
			r0 := src[2*i*2*w : (2*i+1)*2*w]
			r1 := src[(2*i+1)*2*w : (2*i+2)*2*w]
			d := dst[i*w : (i+1)*w]
			for j := range d {
				d[j] = r0[2*j] + r0[2*j+1] + r1[2*j] + r1[2*j+1]
			}
		}
	}
}

// AvgPool2Forward averages each 2×2 block of x (planes of h×w, h and w
// even) into one value of y (planes of h/2×w/2): BigGAN's downsampling.
func AvgPool2Forward(planes, h, w int, x, y []float32) {
	mustLen("pool input", x, planes*h*w)
	mustLen("pool output", y, planes*h*w/4)
	Upsample2Backward(planes, h/2, w/2, x, y)
	for i := range y {
		y[i] *= 0.25
	}
}

// AvgPool2Backward spreads a quarter of each value of dy (planes of
// h/2×w/2) over its 2×2 block of dx (planes of h×w), overwriting dx.
func AvgPool2Backward(planes, h, w int, dy, dx []float32) {
	Upsample2Forward(planes, h/2, w/2, dy, dx)
	for i := range dx {
		dx[i] *= 0.25
	}
}
