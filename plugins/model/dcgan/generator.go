package dcgan

import (
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// weightStd is DCGAN's N(0, 0.02) initialisation of conv and linear weights.
const weightStd = 0.02

// generator maps z (n×ZDim) to n×C×S×S images in [-1, 1].
type generator struct {
	a   arch
	net *nn.Net

	fc    *nn.Linear
	bn0   *nn.BatchNorm // over the 2w·(S/4)² features, p = 1
	conv1 *nn.UpConv    // up2, then 2w → w at S/2
	bn1   *nn.BatchNorm
	conv2 *nn.UpConv // up2, then w → C at S, tanh
}

func newGenerator(a arch, seed int64) *generator {
	g := &generator{a: a, net: nn.NewNet("G", seed, a.Workers)}
	s4, s2 := a.Size/4, a.Size/2
	g.fc = nn.NewLinear(g.net, "fc", a.ZDim, a.feat(), true, weightStd)
	g.bn0 = nn.NewBatchNorm(g.net, "bn0", a.feat(), a.Classes).WithAct(kernels.ReLU)
	// Each upsampling and the convolution after it run as one layer that
	// never builds the upsampled map (kernels.Up2Conv3); the weights are
	// those of the plain 3×3 convolution.
	g.conv1 = nn.NewUpConv(g.net, "conv1", 2*a.Width, s4, s4, a.Width, true, weightStd)
	g.bn1 = nn.NewBatchNorm(g.net, "bn1", a.Width, a.Classes).WithAct(kernels.ReLU)
	g.conv2 = nn.NewUpConv(g.net, "conv2", a.Width, s2, s2, a.Channels, true, weightStd).
		WithAct(kernels.Tanh, 0)
	return g
}

// Forward returns n images (owned by g until its next forward). train uses
// batch statistics and updates the running ones; labels drive conditional
// batch norm and are ignored when unconditional.
func (g *generator) Forward(n int, z []float32, labels []int32, train bool) []float32 {
	s2 := g.a.Size / 2
	h := g.fc.Forward(n, z)
	h = g.bn0.Forward(n, 1, h, labels, train)
	h = g.conv1.Forward(n, h)
	h = g.bn1.Forward(n, s2*s2, h, labels, train)
	return g.conv2.Forward(n, h)
}

// Backward adds the gradients of every G tensor from dy, the gradient at
// the last training forward's output; it overwrites dy.
func (g *generator) Backward(dy []float32) {
	d := g.conv2.Backward(dy, true, true)
	d = g.bn1.Backward(d)
	d = g.conv1.Backward(d, true, true)
	d = g.bn0.Backward(d)
	g.fc.Backward(d, false, true)
}

// Net returns G's tensors.
func (g *generator) Net() *nn.Net { return g.net }
