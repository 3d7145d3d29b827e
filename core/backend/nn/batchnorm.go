package nn

import (
	"github.com/ndalab/ndalab/core/backend"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

// BatchNorm normalises n×C×P activations per channel (P = 1 for a 1-D
// batch norm over features), then applies a gain and bias and a fused
// activation. Unconditional: one gain and bias per channel (name.gamma,
// name.beta). Class-conditional (Classes > 0): one gain and bias per class
// and channel (name.gamma, name.beta of Classes×C), picked by each sample's
// label, as in conditional batch norm (de Vries et al. 2017). Running
// statistics are name.mean and name.var.
type BatchNorm struct {
	C, Classes  int
	Gamma, Beta *Param
	Mean, Var   []float32
	Act         kernels.Activation

	k      *kernels.BatchNorm
	n, p   int
	labels []int32
	train  bool
	y, dx  []float32
	ones   []float32 // unit gain for the conditional path
	zeros  []float32
	dscr   []float32 // discarded gain/bias gradients of the conditional path
}

// NewBatchNorm registers the tensors of a batch norm over c channels;
// classes > 0 makes it class-conditional.
func NewBatchNorm(net *Net, name string, c, classes int) *BatchNorm {
	rows := max(1, classes)
	bn := &BatchNorm{C: c, Classes: classes, k: kernels.NewBatchNorm(c)}
	bn.k.Workers = net.Workers
	bn.Gamma = net.Weight(name+".gamma", backend.Constant(1), rows, c)
	bn.Beta = net.Weight(name+".beta", backend.Constant(0), rows, c)
	bn.Mean = net.State(name+".mean", backend.Constant(0), c)
	bn.Var = net.State(name+".var", backend.Constant(1), c)
	bn.ones = make([]float32, c)
	for i := range bn.ones {
		bn.ones[i] = 1
	}
	bn.zeros = make([]float32, c)
	bn.dscr = make([]float32, c)
	return bn
}

// WithAct sets the fused activation and returns bn.
func (bn *BatchNorm) WithAct(act kernels.Activation) *BatchNorm {
	bn.Act = act
	if bn.Classes == 0 {
		// Unconditional: the kernel fuses the activation into its passes.
		bn.k.Act = act
	}
	return bn
}

// Forward normalises x (n×C×p) with batch statistics when train (updating
// the running ones), else with the running statistics. labels (n values)
// pick the gains of a conditional batch norm and are ignored otherwise.
func (bn *BatchNorm) Forward(n, p int, x []float32, labels []int32, train bool) []float32 {
	bn.n, bn.p, bn.labels, bn.train = n, p, labels, train
	bn.y = grow(&bn.y, n*bn.C*p)
	gamma, beta := bn.Gamma.W, bn.Beta.W
	if bn.Classes > 0 {
		gamma, beta = bn.ones, bn.zeros
	}
	if train {
		bn.k.ForwardTrain(n, p, x, gamma, beta, bn.Mean, bn.Var, bn.y)
	} else {
		bn.k.ForwardEval(n, p, x, gamma, beta, bn.Mean, bn.Var, bn.y)
	}
	if bn.Classes > 0 {
		bn.applyClassGain()
		kernels.BiasActivate(bn.Act, 0, n, bn.C, p, nil, bn.y)
	}
	return bn.y
}

// applyClassGain scales the normalised values of each sample by its class's
// gain and bias.
func (bn *BatchNorm) applyClassGain() {
	c, p := bn.C, bn.p
	for i := range bn.n {
		cl := int(bn.labels[i])
		g, b := bn.Gamma.W[cl*c:(cl+1)*c], bn.Beta.W[cl*c:(cl+1)*c]
		for ch := range c {
			row := bn.y[(i*c+ch)*p : (i*c+ch+1)*p]
			for j, v := range row {
				row[j] = g[ch]*v + b[ch]
			}
		}
	}
}

// Backward overwrites dy, adds the gain and bias gradients and returns the
// input gradient. It needs a training-mode Forward.
func (bn *BatchNorm) Backward(dy []float32) []float32 {
	if !bn.train {
		panic("nn: batch norm backward after an evaluation forward")
	}
	c, p, n := bn.C, bn.p, bn.n
	bn.dx = grow(&bn.dx, n*c*p)
	if bn.Classes == 0 {
		bn.k.Backward(dy, bn.Gamma.W, bn.dx, bn.Gamma.G, bn.Beta.G)
		return bn.dx
	}
	kernels.ActivateBackward(bn.Act, 0, n, c, p, bn.y, dy, nil)

	// Conditional: y = g[label]·x̂ + b[label]. Route the gain and bias
	// gradients to each sample's class and hand dx̂ = g·dy to the kernel as
	// the gradient of a unit-gain batch norm.
	xhat := bn.k.XHat()
	for i := range n {
		cl := int(bn.labels[i])
		g := bn.Gamma.W[cl*c : (cl+1)*c]
		dg, db := bn.Gamma.G[cl*c:(cl+1)*c], bn.Beta.G[cl*c:(cl+1)*c]
		for ch := range c {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			var sg, sb float32
			for j := lo; j < hi; j++ {
				sg += dy[j] * xhat[j]
				sb += dy[j]
				dy[j] *= g[ch]
			}
			dg[ch] += sg
			db[ch] += sb
		}
	}
	clear(bn.dscr)
	bn.k.Backward(dy, bn.ones, bn.dx, bn.dscr, bn.dscr)
	return bn.dx
}
