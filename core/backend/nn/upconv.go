package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// UpConv is nearest ×2 upsampling followed by a 3×3 convolution (padding
// 1) with bias and a fused activation, computed without the upsampled image
// (kernels.Up2Conv3): x is n×C×H×W, the output n×K×2H×2W, W K×C×3×3 as for
// a plain convolution after an upsampling layer.
type UpConv struct {
	W, B *Param
	SN   *SpectralNorm
	Act  kernels.Activation

	net   *Net
	k     *kernels.Up2Conv3
	x     []float32
	n     int
	y, dx []float32
}

// NewUpConv registers name.w (N(0, std²)) and, with bias, name.b (zeros).
func NewUpConv(net *Net, name string, c, h, w, k int, bias bool, std float64) *UpConv {
	u := &UpConv{net: net, k: kernels.NewUp2Conv3(c, h, w, k, net.Workers)}
	u.W = net.Weight(name+".w", backend.Normal(std), k, c, 3, 3)
	if bias {
		u.B = net.Weight(name+".b", backend.Constant(0), k)
	}
	return u
}

// WithAct sets the fused activation and returns u.
func (u *UpConv) WithAct(act kernels.Activation, slope float32) *UpConv {
	u.Act = act
	u.k.Act, u.k.Slope = act, slope
	return u
}

// WithSpectralNorm divides W by its largest singular value (W seen as
// K × C·3·3, as for the plain convolution) and returns u.
func (u *UpConv) WithSpectralNorm(name string) *UpConv {
	u.SN = NewSpectralNorm(u.net, name, u.W, u.k.K, u.k.C*9)
	return u
}

// Forward computes the n×K×2H×2W output.
func (u *UpConv) Forward(n int, x []float32) []float32 {
	u.x, u.n = x, n
	u.y = grow(&u.y, n*u.k.OutSize())
	var b []float32
	if u.B != nil {
		b = u.B.W
	}
	u.k.Forward(n, x, refreshWeight(u.W, u.SN), b, u.y)
	return u.y
}

// Backward overwrites dy, adds the weight and bias gradients when needW and
// returns the input gradient when needX (else nil).
func (u *UpConv) Backward(dy []float32, needX, needW bool) []float32 {
	var db, dw, dx []float32
	if needW {
		dw = weightGrad(u.W, u.SN)
		if u.B != nil {
			db = u.B.G
		}
	}
	u.k.ActivateBackward(u.n, u.y, dy, db)
	if needX {
		u.dx = grow(&u.dx, u.n*u.k.InSize())
		dx = u.dx
	}
	u.k.Backward(u.n, u.x, dy, currentWeight(u.W, u.SN), dx, dw)
	if needW {
		foldWeightGrad(u.SN)
	}
	return dx
}
