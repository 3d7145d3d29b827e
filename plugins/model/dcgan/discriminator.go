package dcgan

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/plugins/model/internal/nn"
)

// discriminator maps n×C×S×S images to n raw logits; conditional, it adds
// the projection ⟨embed[y], h⟩ of its features h (Miyato & Koyama 2018).
type discriminator struct {
	a   arch
	net *nn.Net

	conv1, conv2 *nn.Conv
	fc           *nn.Linear
	embed        *nn.Param // Classes × feat; nil when unconditional

	n      int
	h      []float32 // features (conv2's output), n × feat
	labels []int32
	logits []float32
	dh     []float32
}

func newDiscriminator(a arch, seed int64) *discriminator {
	d := &discriminator{a: a, net: nn.NewNet("D", seed, a.Workers)}
	s, s2 := a.Size, a.Size/2
	d.conv1 = nn.NewConv(d.net, "conv1", kernels.ConvShape{
		C: a.Channels, H: s, W: s, K: a.Width, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	d.conv2 = nn.NewConv(d.net, "conv2", kernels.ConvShape{
		C: a.Width, H: s2, W: s2, K: 2 * a.Width, KH: 4, KW: 4, Stride: 2, Pad: 1,
	}, true, weightStd).WithAct(kernels.LeakyReLU, 0.2).WithKeptCols()
	d.fc = nn.NewLinear(d.net, "fc", a.feat(), 1, true, weightStd)
	if a.Classes > 0 {
		d.embed = d.net.Weight("embed", backend.Normal(weightStd), a.Classes, a.feat())
	}
	if a.SpectralNorm {
		d.conv1.WithSpectralNorm("conv1.sn")
		d.conv2.WithSpectralNorm("conv2.sn")
		d.fc.WithSpectralNorm("fc.sn")
	}
	return d
}

// UpdateSpectralNorm runs one power iteration per layer: once per D update.
func (d *discriminator) UpdateSpectralNorm() {
	for _, sn := range []*nn.SpectralNorm{d.conv1.SN, d.conv2.SN, d.fc.SN} {
		if sn != nil {
			sn.Update()
		}
	}
}

// Forward returns n logits (owned by d until its next forward).
func (d *discriminator) Forward(n int, x []float32, labels []int32) []float32 {
	d.n, d.labels = n, labels
	h := d.conv1.Forward(n, x)
	d.h = d.conv2.Forward(n, h)
	d.logits = grow(d.logits, n)
	copy(d.logits, d.fc.Forward(n, d.h))
	if d.embed != nil {
		f := d.a.feat()
		for i := range n {
			e := d.embed.W[int(labels[i])*f : (int(labels[i])+1)*f]
			var s float32
			for j, v := range d.h[i*f : (i+1)*f] {
				s += v * e[j]
			}
			d.logits[i] += s
		}
	}
	return d.logits
}

// Backward takes the gradient of the loss at the logits. needW adds the
// gradients of D's tensors; needX returns the gradient at the input images
// (owned by d), else nil. It overwrites dlogits only through its layers.
func (d *discriminator) Backward(dlogits []float32, needX, needW bool) []float32 {
	f := d.a.feat()
	dh := d.fc.Backward(dlogits, true, needW)
	if d.embed != nil {
		// dh is the fc layer's buffer; the projection's share adds to it.
		for i := range d.n {
			y := int(d.labels[i])
			e := d.embed.W[y*f : (y+1)*f]
			h := d.h[i*f : (i+1)*f]
			row := dh[i*f : (i+1)*f]
			g := dlogits[i]
			if needW {
				ge := d.embed.G[y*f : (y+1)*f]
				for j := range row {
					ge[j] += g * h[j]
				}
			}
			for j := range row {
				row[j] += g * e[j]
			}
		}
	}
	dh = d.conv2.Backward(dh, true, needW)
	return d.conv1.Backward(dh, needX, needW)
}

// Net returns D's tensors.
func (d *discriminator) Net() *nn.Net { return d.net }

// Features returns the flattened output of the last convolution, n × feat.
func (d *discriminator) Features() []float32 { return d.h }
