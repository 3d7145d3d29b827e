package backend

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// biasActOp is the fused y = act(x + b[c]) for x N×C×… and b C: one pass
// instead of two, the hot tail of every conv and linear layer. Its
// gradient needs only the output: the pre-activation gradient
// dz = act'(y)·dy (actGradOp reading y's sign, hence slope > 0 for leaky
// ReLU), then dx = dz and db = Σ dz per channel.
type biasActOp struct {
	opBase
	act actOp
}

func (biasActOp) Arity() int              { return 2 }
func (o biasActOp) Type() hm.Type         { return fnType(o.act.dims, o.act.dims, 1) }
func (o biasActOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o biasActOp) Hashcode() uint32      { return hashCode(o) }
func (o biasActOp) String() string        { return "biasAct" + o.act.String() }

func (o biasActOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return chanOp{dims: o.act.dims}.InferShape(in...)
}

func (o biasActOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	l := layoutOf(in[0].Shape())
	switch valueDtype(in[0]) {
	case tensor.Float32:
		y := newDense[float32](in[0].Shape()...)
		ys := values[float32](y)
		copy(ys, values[float32](in[0]))
		kernels.BiasActivate(kernelAct(o.act.kind), float32(o.act.alpha), l.n, l.c, l.s,
			values[float32](in[1]), ys)
		return y, nil
	case tensor.Float64:
		z := chanForward[float64](chanOp{dims: o.act.dims}, in[0], in[1])
		return actForward[float64](o.act, z), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func (biasActOp) DiffWRT(int) []bool { return []bool{true, true} }

func (o biasActOp) SymDiff(_ gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	// y stands in for the pre-activation z: same sign (slope > 0), and
	// tanh' is read off y anyway.
	dz, err := gorgonia.ApplyOp(actGradOp{o.act}, out, out, grad)
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.ApplyOp(chanReduceOp{dims: o.act.dims}, dz)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dz, db}, nil
}

func (o biasActOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	dz, err := actGradOp{o.act}.Do(out.Value(), out.Value(), g)
	if err != nil {
		return err
	}
	db, err := chanReduceOp{dims: o.act.dims}.Do(dz)
	if err != nil {
		return err
	}
	if err := accumulate(in[0], dz); err != nil {
		return err
	}
	return accumulate(in[1], db)
}

// Activation names the activation a layer fuses with its bias.
type Activation int

// The fusable activations.
const (
	// NoActivation leaves the layer linear.
	NoActivation Activation = iota
	// ActReLU is max(z, 0).
	ActReLU
	// ActLeakyReLU is z for z > 0, slope·z otherwise (slope > 0).
	ActLeakyReLU
	// ActTanh is tanh(z).
	ActTanh
)

// ShiftActivate is act(x + b) with a per-channel bias b (C), fused into
// one op; for leaky ReLU slope must be positive.
func ShiftActivate(x, b *gorgonia.Node, act Activation, slope float64) (*gorgonia.Node, error) {
	op := actOp{dims: x.Dims()}
	switch act {
	case ActReLU:
		op.kind = actReLU
	case ActLeakyReLU:
		if !(slope > 0) {
			return nil, fmt.Errorf("shift activate: leaky ReLU slope %g, want > 0", slope)
		}
		op.kind, op.alpha = actLeaky, slope
	case ActTanh:
		op.kind = actTanh
	default:
		return nil, fmt.Errorf("shift activate: activation %d", act)
	}
	return gorgonia.ApplyOp(biasActOp{act: op}, x, b)
}

// activate applies act alone (a layer without bias).
func activate(x *gorgonia.Node, act Activation, slope float64) (*gorgonia.Node, error) {
	switch act {
	case NoActivation:
		return x, nil
	case ActReLU:
		return ReLU(x)
	case ActLeakyReLU:
		return LeakyReLU(x, slope)
	case ActTanh:
		return Tanh(x)
	}
	return nil, fmt.Errorf("activate: activation %d", act)
}
