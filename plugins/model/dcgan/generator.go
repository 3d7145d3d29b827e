package dcgan

import (
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/plugins/model/internal/nn"
)

// weightStd is DCGAN's N(0, 0.02) initialisation of conv and linear weights.
const weightStd = 0.02

// generator maps z (n×ZDim) to n×C×S×S images in [-1, 1].
type generator struct {
	a   arch
	net *nn.Net

	fc    *nn.Linear
	bn0   *nn.BatchNorm // over the 2w·(S/4)² features, p = 1
	conv1 *nn.Conv      // 2w → w at S/2
	bn1   *nn.BatchNorm
	conv2 *nn.Conv // w → C at S, tanh

	n        int
	up1, up2 []float32 // upsampled inputs of conv1 and conv2
	d1, d0   []float32 // gradients at bn1's and bn0's outputs
}

func newGenerator(a arch, seed int64) *generator {
	g := &generator{a: a, net: nn.NewNet("G", seed, a.Workers)}
	s2, s := a.Size/2, a.Size
	g.fc = nn.NewLinear(g.net, "fc", a.ZDim, a.feat(), true, weightStd)
	g.bn0 = nn.NewBatchNorm(g.net, "bn0", a.feat(), a.Classes).WithAct(kernels.ReLU)
	g.conv1 = nn.NewConv(g.net, "conv1", kernels.ConvShape{
		C: 2 * a.Width, H: s2, W: s2, K: a.Width, KH: 3, KW: 3, Stride: 1, Pad: 1,
	}, true, weightStd)
	g.bn1 = nn.NewBatchNorm(g.net, "bn1", a.Width, a.Classes).WithAct(kernels.ReLU)
	g.conv2 = nn.NewConv(g.net, "conv2", kernels.ConvShape{
		C: a.Width, H: s, W: s, K: a.Channels, KH: 3, KW: 3, Stride: 1, Pad: 1,
	}, true, weightStd).WithAct(kernels.Tanh, 0)
	return g
}

// Forward returns n images (owned by g until its next forward). train uses
// batch statistics and updates the running ones; labels drive conditional
// batch norm and are ignored when unconditional.
func (g *generator) Forward(n int, z []float32, labels []int32, train bool) []float32 {
	a := g.a
	g.n = n
	s4, s2 := a.Size/4, a.Size/2
	h := g.fc.Forward(n, z)
	h = g.bn0.Forward(n, 1, h, labels, train)

	g.up1 = grow(g.up1, n*2*a.Width*s2*s2)
	kernels.Upsample2Forward(n*2*a.Width, s4, s4, h, g.up1)
	h = g.conv1.Forward(n, g.up1)
	h = g.bn1.Forward(n, s2*s2, h, labels, train)

	g.up2 = grow(g.up2, n*a.Width*a.Size*a.Size)
	kernels.Upsample2Forward(n*a.Width, s2, s2, h, g.up2)
	return g.conv2.Forward(n, g.up2)
}

// Backward adds the gradients of every G tensor from dy, the gradient at
// the last training forward's output; it overwrites dy.
func (g *generator) Backward(dy []float32) {
	a, n := g.a, g.n
	s4, s2 := a.Size/4, a.Size/2
	d := g.conv2.Backward(dy, true, true)
	g.d1 = grow(g.d1, n*a.Width*s2*s2)
	kernels.Upsample2Backward(n*a.Width, s2, s2, d, g.d1)
	d = g.bn1.Backward(g.d1)
	d = g.conv1.Backward(d, true, true)
	g.d0 = grow(g.d0, n*a.feat())
	kernels.Upsample2Backward(n*2*a.Width, s4, s4, d, g.d0)
	d = g.bn0.Backward(g.d0)
	g.fc.Backward(d, false, true)
}

// Net returns G's tensors.
func (g *generator) Net() *nn.Net { return g.net }

// grow returns buf[:n], reallocating only when its capacity is short.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
