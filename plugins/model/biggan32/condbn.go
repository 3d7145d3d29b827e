package biggan32

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/core/backend/nn"
)

// condition is what the batch norms of one generator block are conditioned
// on, per sample.
type condition struct {
	labels []int32   // n labels; nil when unconditional
	vec    []float32 // n×In vectors for sharedBN; nil for the other norms
}

// norm is the batch norm of a generator block: plain, with a gain and bias
// table per class (tableBN), or with gains computed from a conditioning
// vector (sharedBN). It follows nn's layer protocol.
type norm interface {
	// forward normalises x (n×C×p) and applies the gains that c selects.
	forward(n, p int, x []float32, c condition, train bool) []float32
	// backward returns the input gradient, overwriting dy, and adds the
	// gradient at the last forward's conditioning vectors to dCond (n×In;
	// nil for the norms that take none).
	backward(dy, dCond []float32) []float32
	// setAct sets the fused activation.
	setAct(kernels.Activation)
}

// tableBN is nn's batch norm, plain or class-conditional through tables.
type tableBN struct{ bn *nn.BatchNorm }

func (t tableBN) forward(n, p int, x []float32, c condition, train bool) []float32 {
	return t.bn.Forward(n, p, x, c.labels, train)
}

func (t tableBN) backward(dy, _ []float32) []float32 { return t.bn.Backward(dy) }

func (t tableBN) setAct(act kernels.Activation) { t.bn.WithAct(act) }

// sharedBN is BigGAN's conditional batch norm: it normalises n×C×p
// activations per channel without an affine of its own, then scales sample
// i by 1 + Wg·c_i and shifts it by Wb·c_i, where c_i is the sample's
// conditioning vector (In values: the shared class embedding and a chunk of
// z) and Wg, Wb are C×In spectral-normalised linear maps without bias
// (name.gain, name.bias). Running statistics are name.mean and name.var.
type sharedBN struct {
	c, in      int
	gain, bias *nn.Linear
	mean, vr   []float32
	act        kernels.Activation

	k           *kernels.BatchNorm
	n, p        int
	train       bool
	g           []float32 // per-sample gains 1 + Wg·c, n×C
	y, dx       []float32
	dg, db      []float32 // gradients at the gains and biases, n×C
	ones, zeros []float32 // unit gain and zero bias of the bare normalisation
	discard     []float32 // gain and bias gradients of the bare normalisation
}

// newSharedBN registers a sharedBN over c channels taking in-dimensional
// conditioning vectors.
func newSharedBN(net *nn.Net, name string, c, in int) *sharedBN {
	s := &sharedBN{c: c, in: in, k: kernels.NewBatchNorm(c),
		gain: nn.NewLinear(net, name+".gain", in, c, false, weightStd).
			WithSpectralNorm(name + ".gain.sn"),
		bias: nn.NewLinear(net, name+".bias", in, c, false, weightStd).
			WithSpectralNorm(name + ".bias.sn"),
		mean: net.State(name+".mean", backend.Constant(0), c),
		vr:   net.State(name+".var", backend.Constant(1), c),
		ones: make([]float32, c), zeros: make([]float32, c), discard: make([]float32, c),
	}
	s.k.Workers = net.Workers
	for i := range s.ones {
		s.ones[i] = 1
	}
	return s
}

func (s *sharedBN) setAct(act kernels.Activation) { s.act = act }

// spectralNorms returns the normalisations of the gain and bias maps.
func (s *sharedBN) spectralNorms() []*nn.SpectralNorm {
	return []*nn.SpectralNorm{s.gain.SN, s.bias.SN}
}

func (s *sharedBN) forward(n, p int, x []float32, c condition, train bool) []float32 {
	s.n, s.p, s.train = n, p, train
	s.y = nn.Resize(s.y, n*s.c*p)
	if train {
		s.k.ForwardTrain(n, p, x, s.ones, s.zeros, s.mean, s.vr, s.y)
	} else {
		s.k.ForwardEval(n, p, x, s.ones, s.zeros, s.mean, s.vr, s.y)
	}

	// The backward pass needs the gains; the biases are used once.
	gl := s.gain.Forward(n, c.vec)
	s.g = nn.Resize(s.g, n*s.c)
	for i, v := range gl {
		s.g[i] = 1 + v
	}
	b := s.bias.Forward(n, c.vec)
	for i := range n * s.c {
		row := s.y[i*p : (i+1)*p]
		g, sh := s.g[i], b[i]
		for j, v := range row {
			row[j] = g*v + sh
		}
	}
	kernels.BiasActivate(s.act, 0, n, s.c, p, nil, s.y)
	return s.y
}

func (s *sharedBN) backward(dy, dCond []float32) []float32 {
	if !s.train {
		panic("biggan32: conditional batch norm backward after an evaluation forward")
	}
	n, c, p := s.n, s.c, s.p
	kernels.ActivateBackward(s.act, 0, n, c, p, s.y, dy, nil)

	// y = g·x̂ + b per sample and channel: collect the gain and bias
	// gradients, and hand dx̂ = g·dy to the kernel as the gradient of a
	// unit-gain batch norm.
	xhat := s.k.XHat()
	s.dg, s.db = nn.Resize(s.dg, n*c), nn.Resize(s.db, n*c)
	for i := range n * c {
		g := s.g[i]
		var sg, sb float32
		for j := i * p; j < (i+1)*p; j++ {
			sg += dy[j] * xhat[j]
			sb += dy[j]
			dy[j] *= g
		}
		s.dg[i], s.db[i] = sg, sb
	}
	s.dx = nn.Resize(s.dx, n*c*p)
	clear(s.discard)
	s.k.Backward(dy, s.ones, s.dx, s.discard, s.discard)

	// Through the gain and bias maps to their weights and the conditioning.
	for i, v := range s.gain.Backward(s.dg, true, true) {
		dCond[i] += v
	}
	for i, v := range s.bias.Backward(s.db, true, true) {
		dCond[i] += v
	}
	return s.dx
}
