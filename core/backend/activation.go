package backend

import (
	"gorgonia.org/gorgonia"
)

// ReLU is max(x, 0), elementwise.
func ReLU(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(actOp{kind: actReLU, dims: x.Dims()}, x)
}

// LeakyReLU is x for x > 0 and alpha·x otherwise (DCGAN's D uses 0.2).
func LeakyReLU(x *gorgonia.Node, alpha float64) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(actOp{kind: actLeaky, alpha: alpha, dims: x.Dims()}, x)
}

// Tanh is the hyperbolic tangent, elementwise.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(actOp{kind: actTanh, dims: x.Dims()}, x)
}

// Upsample2 repeats each pixel of N×C×H×W into a 2×2 block: N×C×2H×2W
// (nearest-neighbour upsampling by two).
func Upsample2(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(resampleOp{up: true, scale: 1}, x)
}

// AvgPool2 averages each 2×2 block of N×C×H×W (H, W even): N×C×H/2×W/2.
func AvgPool2(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(resampleOp{scale: 0.25}, x)
}

// SumPool2 sums each 2×2 block of N×C×H×W (H, W even): N×C×H/2×W/2.
func SumPool2(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(resampleOp{scale: 1}, x)
}

// GlobalSumPool sums N×C×H×W over H and W: N×C (BigGAN's D head).
func GlobalSumPool(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(spatialOp{sum: true}, x)
}
