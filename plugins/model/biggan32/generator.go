package biggan32

import (
	"fmt"

	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// generator is BigGAN's 32×32 generator.
type generator struct {
	a      arch
	net    *nn.Net
	fc     *nn.Linear
	blocks []*gBlock
	bn     *nn.BatchNorm
	out    *nn.Conv
	sns    []*nn.SpectralNorm
	// frozenSN skips the power iteration of training forwards, so that a
	// gradient test evaluates one fixed function.
	frozenSN bool
}

func newGenerator(a arch, seed int64) *generator {
	g := &generator{a: a, net: nn.NewNet("G", seed, a.Workers)}
	w := a.Width
	g.fc = nn.NewLinear(g.net, "fc", a.ZDim, 4*4*w, true, weightStd).WithSpectralNorm("fc.sn")
	for i, px := range []int{4, 8, 16} {
		g.blocks = append(g.blocks, newGBlock(g.net, fmt.Sprintf("block%d", i), w, px, a.Classes))
	}
	// The output batch norm is unconditional, as in BigGAN.
	g.bn = nn.NewBatchNorm(g.net, "bn", w, 0).WithAct(kernels.ReLU)
	g.out = conv(g.net, "out", w, a.Channels, size, 3).WithAct(kernels.Tanh, 0)

	g.sns = append(g.sns, g.fc.SN, g.out.SN)
	for _, b := range g.blocks {
		g.sns = append(g.sns, b.conv1.SN, b.conv2.SN, b.sc.SN)
	}
	return g
}

// Net returns G's tensors.
func (g *generator) Net() *nn.Net { return g.net }

// Forward returns n images. A training forward first runs one power
// iteration of every spectral norm, as PyTorch does in training mode.
func (g *generator) Forward(n int, z []float32, labels []int32, train bool) []float32 {
	if train && !g.frozenSN {
		for _, sn := range g.sns {
			sn.Update()
		}
	}
	h := g.fc.Forward(n, z)
	for _, b := range g.blocks {
		h = b.forward(n, h, labels, train)
	}
	h = g.bn.Forward(n, size*size, h, nil, train)
	return g.out.Forward(n, h)
}

// Backward adds every G gradient from dy, the gradient at the images.
func (g *generator) Backward(dy []float32) {
	d := g.out.Backward(dy, true, true)
	d = g.bn.Backward(d)
	for i := len(g.blocks) - 1; i >= 0; i-- {
		d = g.blocks[i].backward(d)
	}
	g.fc.Backward(d, false, true)
}
