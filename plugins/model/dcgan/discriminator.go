package dcgan

import (
	"sync"

	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// discriminator maps n×C×S×S images to n raw logits; conditional, it adds
// the projection ⟨embed[y], h⟩ of its features h (Miyato & Koyama 2018).
//
// With several workers and no spectral norm it runs data-parallel: each
// worker takes a contiguous slice of the batch through its own replica of
// the layers (see nn.Conv.Replica), and the replicas' gradients are folded
// into the network's after the backward pass. D has no batch norm, so the
// slices are independent.
type discriminator struct {
	a   arch
	net *nn.Net

	orig  dPart   // the layers that own the tensors
	parts []dPart // data-parallel replicas; nil runs orig alone

	n      int
	logits []float32
	h, dx  []float32 // assembled features and input gradient
	active []*dPart  // the parts of the last Forward
}

// dPart is one set of D layers and the slice of the batch it last saw.
type dPart struct {
	conv1, conv2 *nn.Conv
	fc           *nn.Linear
	embed        *nn.Param // Classes × feat; nil when unconditional

	lo, hi int
	labels []int32
	h      []float32 // this slice's features
	dx     []float32
}

func (p *dPart) params() []*nn.Param {
	ps := append(append(p.conv1.Params(), p.conv2.Params()...), p.fc.Params()...)
	if p.embed != nil {
		ps = append(ps, p.embed)
	}
	return ps
}

func newDiscriminator(a arch, seed int64) *discriminator {
	d := &discriminator{a: a, net: nn.NewNet("D", seed, a.Workers)}
	s, s2 := a.Size, a.Size/2
	o := &d.orig
	o.conv1 = nn.NewConv(d.net, "conv1", kernels.ConvShape{
		C: a.Channels, H: s, W: s, K: a.Width, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	o.conv2 = nn.NewConv(d.net, "conv2", kernels.ConvShape{
		C: a.Width, H: s2, W: s2, K: 2 * a.Width, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	o.fc = nn.NewLinear(d.net, "fc", a.feat(), 1, true, weightStd)
	if a.Classes > 0 {
		o.embed = d.net.Weight("embed", backend.Normal(weightStd), a.Classes, a.feat())
	}
	if a.SpectralNorm {
		o.conv1.WithSpectralNorm("conv1.sn")
		o.conv2.WithSpectralNorm("conv2.sn")
		o.fc.WithSpectralNorm("fc.sn")
		return d
	}
	if a.Workers > 1 {
		for range a.Workers {
			p := dPart{conv1: o.conv1.Replica(), conv2: o.conv2.Replica(), fc: o.fc.Replica()}
			if o.embed != nil {
				p.embed = &nn.Param{Param: o.embed.Param, W: o.embed.W,
					G: make([]float32, len(o.embed.G))}
			}
			d.parts = append(d.parts, p)
		}
	}
	return d
}

// Net returns D's tensors.
func (d *discriminator) Net() *nn.Net { return d.net }

// UpdateSpectralNorm runs one power iteration per layer: once per D update.
func (d *discriminator) UpdateSpectralNorm() {
	o := &d.orig
	for _, sn := range []*nn.SpectralNorm{o.conv1.SN, o.conv2.SN, o.fc.SN} {
		if sn != nil {
			sn.Update()
		}
	}
}

// run calls fn on every active part, each in its own goroutine but the
// first.
func (d *discriminator) run(fn func(p *dPart)) {
	var wg sync.WaitGroup
	for _, p := range d.active[1:] {
		wg.Go(func() { fn(p) })
	}
	fn(d.active[0])
	wg.Wait()
}

// Forward returns n logits (owned by d until its next Forward).
func (d *discriminator) Forward(n int, x []float32, labels []int32) []float32 {
	d.n = n
	d.logits = nn.Resize(d.logits, n)
	d.active = d.active[:0]
	if len(d.parts) == 0 || n < len(d.parts) {
		d.orig.lo, d.orig.hi = 0, n
		d.active = append(d.active, &d.orig)
	} else {
		for i := range d.parts {
			p := &d.parts[i]
			p.lo, p.hi = n*i/len(d.parts), n*(i+1)/len(d.parts)
			d.active = append(d.active, p)
		}
	}
	size, f := d.a.imageSize(), d.a.feat()
	d.run(func(p *dPart) {
		k := p.hi - p.lo
		p.labels = nil
		if labels != nil {
			p.labels = labels[p.lo:p.hi]
		}
		h := p.conv1.Forward(k, x[p.lo*size:p.hi*size])
		p.h = p.conv2.Forward(k, h)
		out := d.logits[p.lo:p.hi]
		copy(out, p.fc.Forward(k, p.h))
		if p.embed == nil {
			return
		}
		for i, y := range p.labels {
			e := p.embed.W[int(y)*f : (int(y)+1)*f]
			var s float32
			for j, v := range p.h[i*f : (i+1)*f] {
				s += v * e[j]
			}
			out[i] += s
		}
	})
	return d.logits
}

// Features returns the flattened output of the last convolution, n × feat.
func (d *discriminator) Features() []float32 {
	if len(d.active) == 1 {
		return d.active[0].h
	}
	f := d.a.feat()
	d.h = nn.Resize(d.h, d.n*f)
	for _, p := range d.active {
		copy(d.h[p.lo*f:p.hi*f], p.h)
	}
	return d.h
}

// Backward takes the gradient of the loss at the logits. needW adds the
// gradients of D's tensors; needX returns the gradient at the input images
// (owned by d), else nil.
func (d *discriminator) Backward(dlogits []float32, needX, needW bool) []float32 {
	f, size := d.a.feat(), d.a.imageSize()
	replicated := d.active[0] != &d.orig
	d.run(func(p *dPart) {
		if replicated && needW {
			nn.ZeroGrads(p.params())
		}
		g := dlogits[p.lo:p.hi]
		dh := p.fc.Backward(g, true, needW)
		if p.embed != nil {
			// dh is the fc layer's buffer; the projection's share adds to it.
			for i, y := range p.labels {
				e := p.embed.W[int(y)*f : (int(y)+1)*f]
				h := p.h[i*f : (i+1)*f]
				row := dh[i*f : (i+1)*f]
				if needW {
					ge := p.embed.G[int(y)*f : (int(y)+1)*f]
					for j := range row {
						ge[j] += g[i] * h[j]
					}
				}
				for j := range row {
					row[j] += g[i] * e[j]
				}
			}
		}
		dh = p.conv2.Backward(dh, true, needW)
		p.dx = p.conv1.Backward(dh, needX, needW)
	})
	if replicated && needW {
		for i := range d.active {
			nn.FoldGrads(d.orig.params(), d.active[i].params())
		}
	}
	if !needX {
		return nil
	}
	if !replicated {
		return d.orig.dx
	}
	d.dx = nn.Resize(d.dx, d.n*size)
	for _, p := range d.active {
		copy(d.dx[p.lo*size:p.hi*size], p.dx)
	}
	return d.dx
}
