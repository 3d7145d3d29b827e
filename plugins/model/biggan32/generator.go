package biggan32

import (
	"fmt"

	"github.com/ndalab/ndalab/core/backend"
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

	// Hierarchical latents (a.hierarchical()): z is cut into one chunk
	// for fc and one per block, and each block's batch norms take their
	// gains from [shared[y], its chunk].
	shared *nn.Param // Classes × SharedDim; nil otherwise
	chunk  int       // z values per chunk; ZDim when not hierarchical
	n      int
	labels []int32
	z0     []float32   // the first chunks, n×chunk
	cond   [][]float32 // per block, n×(SharedDim+chunk)
	dCond  [][]float32 // their gradients
	dz     []float32   // gradient at z of the last Backward (see Backward)
}

func newGenerator(a arch, seed int64) *generator {
	g := &generator{a: a, net: nn.NewNet("G", seed, a.Workers), chunk: a.ZDim}
	w := a.Width
	condDim := 0
	if a.hierarchical() {
		g.chunk = a.ZDim / zSlots
		condDim = a.SharedDim + g.chunk
		// Not spectral-normalised, as in BigGAN, which found that norming
		// G's embedding cripples it.
		g.shared = g.net.Weight("shared", backend.Normal(weightStd), a.Classes, a.SharedDim)
	}
	g.fc = nn.NewLinear(g.net, "fc", g.chunk, 4*4*w, true, weightStd).WithSpectralNorm("fc.sn")
	for i, px := range []int{4, 8, 16} {
		b := newGBlock(g.net, fmt.Sprintf("block%d", i), w, px, a.Classes, condDim)
		g.blocks = append(g.blocks, b)
	}
	// The output batch norm is unconditional, as in BigGAN.
	g.bn = nn.NewBatchNorm(g.net, "bn", w, 0).WithAct(kernels.ReLU)
	g.out = conv(g.net, "out", w, a.Channels, size, 3).WithAct(kernels.Tanh, 0)

	g.sns = append(g.sns, g.fc.SN, g.out.SN)
	for _, b := range g.blocks {
		g.sns = append(g.sns, b.spectralNorms()...)
	}
	g.cond = make([][]float32, len(g.blocks))
	g.dCond = make([][]float32, len(g.blocks))
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
	g.n, g.labels = n, labels
	if g.shared == nil {
		h := g.fc.Forward(n, z)
		for _, b := range g.blocks {
			h = b.forward(n, h, condition{labels: labels}, train)
		}
		return g.finish(n, h, train)
	}

	zd, ch, sd := g.a.ZDim, g.chunk, g.a.SharedDim
	g.z0 = nn.Resize(g.z0, n*ch)
	for i := range n {
		copy(g.z0[i*ch:(i+1)*ch], z[i*zd:])
	}
	h := g.fc.Forward(n, g.z0)
	for k, b := range g.blocks {
		in := sd + ch
		g.cond[k] = nn.Resize(g.cond[k], n*in)
		for i, y := range labels {
			row := g.cond[k][i*in : (i+1)*in]
			copy(row[:sd], g.shared.W[int(y)*sd:])
			copy(row[sd:], z[i*zd+(k+1)*ch:])
		}
		h = b.forward(n, h, condition{labels: labels, vec: g.cond[k]}, train)
	}
	return g.finish(n, h, train)
}

// finish runs the output layers.
func (g *generator) finish(n int, h []float32, train bool) []float32 {
	h = g.bn.Forward(n, size*size, h, nil, train)
	return g.out.Forward(n, h)
}

// Backward adds every G gradient from dy, the gradient at the images. With
// hierarchical latents it also leaves in dz the gradient at the chunks of z
// that condition the blocks; the first chunk's, through fc, is left zero,
// since z is not trained.
func (g *generator) Backward(dy []float32) {
	d := g.out.Backward(dy, true, true)
	d = g.bn.Backward(d)
	for k := len(g.blocks) - 1; k >= 0; k-- {
		var dCond []float32
		if g.shared != nil {
			g.dCond[k] = nn.Resize(g.dCond[k], len(g.cond[k]))
			clear(g.dCond[k])
			dCond = g.dCond[k]
		}
		d = g.blocks[k].backward(d, dCond)
	}
	g.fc.Backward(d, false, true)
	if g.shared == nil {
		return
	}

	// Route each block's conditioning gradient to the shared embedding
	// row of the sample's class and to the block's chunk of z.
	zd, ch, sd := g.a.ZDim, g.chunk, g.a.SharedDim
	in := sd + ch
	g.dz = nn.Resize(g.dz, g.n*zd)
	clear(g.dz)
	for k, dc := range g.dCond {
		for i, y := range g.labels {
			row := dc[i*in : (i+1)*in]
			emb := g.shared.G[int(y)*sd : (int(y)+1)*sd]
			for j, v := range row[:sd] {
				emb[j] += v
			}
			copy(g.dz[i*zd+(k+1)*ch:], row[sd:])
		}
	}
}
