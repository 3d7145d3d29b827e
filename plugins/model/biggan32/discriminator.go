package biggan32

import (
	"fmt"

	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// discriminator is BigGAN's 32×32 discriminator with a projection head.
type discriminator struct {
	a      arch
	net    *nn.Net
	blocks []*dBlock
	final  relu
	fc     *nn.Linear
	embed  *nn.Param // Classes × Width; nil when unconditional
	embSN  *nn.SpectralNorm
	sns    []*nn.SpectralNorm

	n            int
	labels       []int32
	feats        []float32 // summed features, n × Width
	logits, dSum []float32
}

func newDiscriminator(a arch, seed int64) *discriminator {
	d := &discriminator{a: a, net: nn.NewNet("D", seed, a.Workers), final: relu{act: kernels.ReLU}}
	w := a.Width
	specs := []struct {
		cin, px      int
		down, preact bool
	}{{a.Channels, 32, true, false}, {w, 16, true, true}, {w, 8, false, true}, {w, 8, false, true}}
	for i, s := range specs {
		b := newDBlock(d.net, fmt.Sprintf("block%d", i), s.cin, w, s.px, s.down, s.preact)
		d.blocks = append(d.blocks, b)
		d.sns = append(d.sns, b.conv1.SN, b.conv2.SN)
		if b.sc != nil {
			d.sns = append(d.sns, b.sc.SN)
		}
	}
	d.fc = nn.NewLinear(d.net, "fc", w, 1, true, weightStd).WithSpectralNorm("fc.sn")
	d.sns = append(d.sns, d.fc.SN)
	if a.Classes > 0 {
		d.embed = d.net.Weight("embed", backend.Normal(weightStd), a.Classes, w)
		d.embSN = nn.NewSpectralNorm(d.net, "embed.sn", d.embed, a.Classes, w)
		d.sns = append(d.sns, d.embSN)
	}
	return d
}

// Net returns D's tensors.
func (d *discriminator) Net() *nn.Net { return d.net }

// UpdateSpectralNorm runs one power iteration per layer: once per D update.
func (d *discriminator) UpdateSpectralNorm() {
	for _, sn := range d.sns {
		sn.Update()
	}
}

// Features returns the globally summed features of the last Forward.
func (d *discriminator) Features() []float32 { return d.feats }

// Forward returns n logits.
func (d *discriminator) Forward(n int, x []float32, labels []int32) []float32 {
	d.n, d.labels = n, labels
	w := d.a.Width
	h := x
	for _, b := range d.blocks {
		h = b.forward(n, h)
	}
	h = d.final.forward(h)
	d.feats = nn.Resize(d.feats, n*w)
	kernels.GlobalSumPool(n, w, 8*8, 1, h, d.feats)
	d.logits = nn.Resize(d.logits, n)
	copy(d.logits, d.fc.Forward(n, d.feats))
	if d.embed != nil {
		d.embSN.Refresh()
		e := d.embSN.Normalized()
		for i, y := range labels {
			var s float32
			for j, v := range d.feats[i*w : (i+1)*w] {
				s += v * e[int(y)*w+j]
			}
			d.logits[i] += s
		}
	}
	return d.logits
}

// Backward takes the loss gradient at the logits.
func (d *discriminator) Backward(dlogits []float32, needX, needW bool) []float32 {
	w := d.a.Width
	dh := d.fc.Backward(dlogits, true, needW)
	if d.embed != nil {
		e := d.embSN.Normalized()
		var ge []float32
		if needW {
			ge = d.embSN.GradBuffer()
		}
		for i, y := range d.labels {
			g := dlogits[i]
			row, f := dh[i*w:(i+1)*w], d.feats[i*w:(i+1)*w]
			for j := range row {
				row[j] += g * e[int(y)*w+j]
				if needW {
					ge[int(y)*w+j] += g * f[j]
				}
			}
		}
		if needW {
			d.embSN.Backward()
		}
	}
	d.dSum = nn.Resize(d.dSum, d.n*w*64)
	kernels.GlobalSumPoolBackward(d.n, w, 64, 1, dh, d.dSum)
	g := d.final.backward(d.dSum)
	for i := len(d.blocks) - 1; i >= 0; i-- {
		g = d.blocks[i].backward(g, i > 0 || needX, needW)
	}
	return g
}
