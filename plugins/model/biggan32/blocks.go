package biggan32

import (
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// weightStd initialises every weight; BigGAN uses orthogonal
// initialisation, and with spectral norm the scale at init matters little.
const weightStd = 0.02

func conv(net *nn.Net, name string, cin, cout, px, k int) *nn.Conv {
	return nn.NewConv(net, name, kernels.ConvShape{
		C: cin, H: px, W: px, K: cout, KH: k, KW: k, Stride: 1, Pad: k / 2,
	}, true, weightStd).WithSpectralNorm(name + ".sn")
}

// relu is a stand-alone activation (ReLU unless a gradient test smooths
// it) whose output the backward pass needs.
type relu struct {
	act kernels.Activation
	y   []float32
}

func (r *relu) forward(x []float32) []float32 {
	r.y = nn.Resize(r.y, len(x))
	copy(r.y, x)
	kernels.BiasActivate(r.act, 0, 1, 1, len(x), nil, r.y)
	return r.y
}

// backward overwrites dy with the gradient at the input.
func (r *relu) backward(dy []float32) []float32 {
	kernels.ActivateBackward(r.act, 0, 1, 1, len(dy), r.y, dy, nil)
	return dy
}

// gBlock is BigGAN's generator block at px×px input, doubling the size:
// out = conv2(relu(bn2(conv1(up(relu(bn1(x))))))) + sc(up(x)), up being
// nearest ×2 upsampling. conv1 takes the upsampling into its kernel
// (nn.UpConv), and the 1×1 shortcut runs before the upsampling, which
// commutes with it, on a quarter of the positions.
type gBlock struct {
	c, px      int
	bn1, bn2   norm
	conv1      *nn.UpConv
	conv2, sc  *nn.Conv
	n          int
	upSC, out  []float32
	dShort, dx []float32
}

// newGBlock registers a block whose batch norms are plain (classes = 0),
// class tables (condDim = 0) or sharedBNs taking condDim-dimensional
// conditioning vectors.
func newGBlock(net *nn.Net, name string, c, px, classes, condDim int) *gBlock {
	newNorm := func(name string) norm {
		if classes > 0 && condDim > 0 {
			return newSharedBN(net, name, c, condDim)
		}
		return tableBN{nn.NewBatchNorm(net, name, c, classes)}
	}
	bn1 := newNorm(name + ".bn1")
	conv1 := nn.NewUpConv(net, name+".conv1", c, px, px, c, true, weightStd).
		WithSpectralNorm(name + ".conv1.sn")
	b := &gBlock{c: c, px: px,
		bn1:   bn1,
		conv1: conv1,
		bn2:   newNorm(name + ".bn2"),
		conv2: conv(net, name+".conv2", c, c, 2*px, 3),
		sc:    conv(net, name+".sc", c, c, px, 1),
	}
	b.bn1.setAct(kernels.ReLU)
	b.bn2.setAct(kernels.ReLU)
	return b
}

// spectralNorms returns the block's normalised layers.
func (b *gBlock) spectralNorms() []*nn.SpectralNorm {
	sns := []*nn.SpectralNorm{b.conv1.SN, b.conv2.SN, b.sc.SN}
	for _, bn := range []norm{b.bn1, b.bn2} {
		if s, ok := bn.(*sharedBN); ok {
			sns = append(sns, s.spectralNorms()...)
		}
	}
	return sns
}

func (b *gBlock) forward(n int, x []float32, cond condition, train bool) []float32 {
	b.n = n
	h := b.bn1.forward(n, b.px*b.px, x, cond, train)
	h = b.conv1.Forward(n, h)
	h = b.bn2.forward(n, 4*b.px*b.px, h, cond, train)
	h = b.conv2.Forward(n, h)

	s := b.sc.Forward(n, x)
	b.upSC = nn.Resize(b.upSC, len(h))
	kernels.Upsample2Forward(n*b.c, b.px, b.px, s, b.upSC)
	b.out = nn.Resize(b.out, len(h))
	for i := range b.out {
		b.out[i] = h[i] + b.upSC[i]
	}
	return b.out
}

// backward returns the gradient at the block's input and adds the one at
// its conditioning vectors to dCond (nil when the norms take none).
func (b *gBlock) backward(dy, dCond []float32) []float32 {
	// The shortcut's upsampling first: the residual branch overwrites dy.
	small := b.n * b.c * b.px * b.px
	b.dShort = nn.Resize(b.dShort, small)
	kernels.Upsample2Backward(b.n*b.c, b.px, b.px, dy, b.dShort)

	// Residual branch.
	d := b.conv2.Backward(dy, true, true)
	d = b.bn2.backward(d, dCond)
	d = b.conv1.Backward(d, true, true)
	d = b.bn1.backward(d, dCond)
	b.dx = nn.Resize(b.dx, small)
	copy(b.dx, d)

	// Shortcut.
	d = b.sc.Backward(b.dShort, true, true)
	for i, v := range d {
		b.dx[i] += v
	}
	return b.dx
}

// dBlock is BigGAN's discriminator block at px×px input: halving the size
// when down, with a pre-activation ReLU except in the first block, and a
// learned 1×1 shortcut when the shape changes.
type dBlock struct {
	cin, cout, px        int
	down, preact         bool
	pre                  relu
	conv1, conv2, sc     *nn.Conv
	n                    int
	xPooled, pooled      []float32
	out, dTmp, dx, dPool []float32
	dxPooled             []float32
}

func newDBlock(net *nn.Net, name string, cin, cout, px int, down, preact bool) *dBlock {
	b := &dBlock{cin: cin, cout: cout, px: px, down: down, preact: preact, pre: relu{act: kernels.ReLU},
		conv1: conv(net, name+".conv1", cin, cout, px, 3).WithAct(kernels.ReLU, 0),
		conv2: conv(net, name+".conv2", cout, cout, px, 3),
	}
	if down || cin != cout {
		// BigGAN pools before the 1×1 shortcut in the first block and
		// after it elsewhere; pooling and a 1×1 convolution commute, so
		// this block always pools first, giving the convolution a quarter
		// of the positions.
		b.sc = conv(net, name+".sc", cin, cout, b.outPx(), 1)
	}
	return b
}

func (b *dBlock) outPx() int {
	if b.down {
		return b.px / 2
	}
	return b.px
}

func (b *dBlock) forward(n int, x []float32) []float32 {
	b.n = n
	h := x
	if b.preact {
		h = b.pre.forward(x)
	}
	h = b.conv1.Forward(n, h)
	h = b.conv2.Forward(n, h)
	s := x
	if b.down {
		op := b.outPx()
		b.pooled = nn.Resize(b.pooled, n*b.cout*op*op)
		kernels.AvgPool2Forward(n*b.cout, b.px, b.px, h, b.pooled)
		b.xPooled = nn.Resize(b.xPooled, n*b.cin*op*op)
		kernels.AvgPool2Forward(n*b.cin, b.px, b.px, x, b.xPooled)
		h, s = b.pooled, b.xPooled
	}
	if b.sc != nil {
		s = b.sc.Forward(n, s)
	}
	b.out = nn.Resize(b.out, len(h))
	for i := range b.out {
		b.out[i] = h[i] + s[i]
	}
	return b.out
}

// backward returns the input gradient when needX; needW adds weight
// gradients.
func (b *dBlock) backward(dy []float32, needX, needW bool) []float32 {
	// The shortcut's gradient is dy itself. The branch's layers overwrite
	// their gradient, which is dy only when the block does not pool; then
	// the shortcut keeps a copy.
	dh, ds := dy, dy
	if b.down {
		b.dPool = nn.Resize(b.dPool, b.n*b.cout*b.px*b.px)
		kernels.AvgPool2Backward(b.n*b.cout, b.px, b.px, dy, b.dPool)
		dh = b.dPool
	} else {
		b.dTmp = nn.Resize(b.dTmp, len(dy))
		copy(b.dTmp, dy)
		ds = b.dTmp
	}
	d := b.conv2.Backward(dh, true, needW)
	d = b.conv1.Backward(d, needX, needW)
	if !needX {
		if b.sc != nil {
			b.sc.Backward(ds, false, needW)
		}
		return nil
	}
	if b.preact {
		d = b.pre.backward(d)
	}
	b.dx = nn.Resize(b.dx, b.n*b.cin*b.px*b.px)
	copy(b.dx, d)
	if b.sc != nil {
		ds = b.sc.Backward(ds, true, needW)
	}
	if b.down {
		b.dxPooled = nn.Resize(b.dxPooled, len(b.dx))
		kernels.AvgPool2Backward(b.n*b.cin, b.px, b.px, ds, b.dxPooled)
		ds = b.dxPooled
	}
	for i, v := range ds {
		b.dx[i] += v
	}
	return b.dx
}
