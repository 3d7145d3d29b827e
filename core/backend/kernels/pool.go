package kernels

// GlobalSumPool writes to y (n×c) the sum over the p positions of each
// channel of x (n×c×p), scaled by scale (1 for BigGAN's sum pooling, 1/p
// for average pooling).
func GlobalSumPool(n, c, p int, scale float32, x, y []float32) {
	mustLen("pool input", x, n*c*p)
	mustLen("pool output", y, n*c)
	for i := range n * c {
		var s float32
		for _, v := range x[i*p : (i+1)*p] {
			s += v
		}
		y[i] = s * scale
	}
}

// GlobalSumPoolBackward spreads dy (n×c) back over the p positions of each
// channel, scaled by scale, overwriting dx (n×c×p).
func GlobalSumPoolBackward(n, c, p int, scale float32, dy, dx []float32) {
	mustLen("pool gradient", dy, n*c)
	mustLen("pool input gradient", dx, n*c*p)
	for i, g := range dy {
		row := dx[i*p : (i+1)*p]
		for j := range row {
			row[j] = g * scale
		}
	}
}
