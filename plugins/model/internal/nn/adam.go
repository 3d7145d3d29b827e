package nn

import (
	"math"

	"github.com/ndalab/ndalab/core/backend"
	"gorgonia.org/tensor"
)

// Adam is PyTorch's Adam (no weight decay, no AMSGrad) over one network's
// trainable tensors. Its moments and step count live in a backend.Params
// named "<net>.adam" (tensors "<param>.m", "<param>.v" and "step"), so
// checkpoints carry them and a resumed run continues exactly.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	State                 *backend.Params

	params []*Param
	m, v   [][]float32
	step   []float32 // one value: the number of updates taken
}

// NewAdam returns an optimiser for net's trainable tensors.
func NewAdam(net *Net, lr, beta1, beta2 float64) *Adam {
	a := &Adam{
		LR: lr, Beta1: beta1, Beta2: beta2, Eps: 1e-8,
		State:  backend.NewParams(net.Params.Name()+".adam", tensor.Float32, 0),
		params: net.Trainable(),
	}
	for _, p := range a.params {
		a.m = append(a.m, a.State.State(p.Name+".m", backend.Constant(0), len(p.W)).Value.Float32s())
		a.v = append(a.v, a.State.State(p.Name+".v", backend.Constant(0), len(p.W)).Value.Float32s())
	}
	a.step = a.State.State("step", backend.Constant(0), 1).Value.Float32s()
	return a
}

// Steps is the number of updates taken so far.
func (a *Adam) Steps() int64 { return int64(a.step[0]) }

// Step applies one update from the gradients in each Param.G.
func (a *Adam) Step() {
	// A float32 counts exactly to 2^24 updates, far past any run here.
	a.step[0]++
	t := float64(a.step[0])
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	stepSize := float32(a.LR / (1 - math.Pow(a.Beta1, t)))
	invBC2 := float32(1 / math.Sqrt(1-math.Pow(a.Beta2, t)))
	eps := float32(a.Eps)
	for i, p := range a.params {
		m, v := a.m[i], a.v[i]
		for j, g := range p.G {
			m[j] = b1*m[j] + (1-b1)*g
			v[j] = b2*v[j] + (1-b2)*g*g
			denom := float32(math.Sqrt(float64(v[j])))*invBC2 + eps
			p.W[j] -= stepSize * m[j] / denom
		}
	}
}
