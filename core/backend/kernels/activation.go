package kernels

import (
	"fmt"
	"math"
)

// Activation names an element-wise nonlinearity.
type Activation int

// The activations. LeakyReLU's negative slope is passed beside it.
const (
	Identity Activation = iota
	ReLU
	LeakyReLU
	Tanh
)

// String returns the activation's lowercase name.
func (a Activation) String() string {
	switch a {
	case Identity:
		return "identity"
	case ReLU:
		return "relu"
	case LeakyReLU:
		return "leaky-relu"
	case Tanh:
		return "tanh"
	}
	return fmt.Sprintf("activation(%d)", int(a))
}

// BiasActivate replaces y (n×c×p: n samples, c channels of p positions) by
// act(y + bias[channel]) in place. bias may be nil. slope is LeakyReLU's
// negative slope and is ignored by the others.
func BiasActivate(act Activation, slope float32, n, c, p int, bias, y []float32) {
	mustLen("activation input", y, n*c*p)
	if bias != nil {
		mustLen("bias", bias, c)
	}
	for i := range n {
		for ch := range c {
			var b float32
			if bias != nil {
				b = bias[ch]
			}
			activateRow(act, slope, b, y[(i*c+ch)*p:(i*c+ch+1)*p])
		}
	}
}

func activateRow(act Activation, slope, b float32, row []float32) {
	switch act {
	case Identity:
		if b != 0 {
			for j := range row {
				row[j] += b
			}
		}
	case ReLU:
		for j, v := range row {
			row[j] = max(v+b, 0)
		}
	case LeakyReLU:
		// Branch-free: the sign bit picks the factor, since the signs of
		// conv outputs are coin flips a branch predictor cannot learn.
		one, sl := math.Float32bits(1), math.Float32bits(slope)
		for j, v := range row {
			v += b
			neg := uint32(int32(math.Float32bits(v)) >> 31)
			row[j] = v * math.Float32frombits(one&^neg|sl&neg)
		}
	case Tanh:
		for j, v := range row {
			row[j] = tanh32(v + b)
		}
	default:
		panic("kernels: unknown activation " + act.String())
	}
}

// ActivateBackward turns dy, the gradient at the activation's output y, into
// the gradient at its input, in place, and adds the per-channel sums of that
// gradient to dbias when it is not nil. Each derivative is computed from the
// output alone: ReLU and LeakyReLU (slope > 0) keep the sign of their input,
// and tanh' = 1 - y². At an output of exactly 0 (measure zero) ReLU's
// derivative is 0 and LeakyReLU's follows the sign bit.
func ActivateBackward(act Activation, slope float32, n, c, p int, y, dy, dbias []float32) {
	mustLen("activation output", y, n*c*p)
	mustLen("activation gradient", dy, n*c*p)
	if dbias != nil {
		mustLen("bias gradient", dbias, c)
	}
	for i := range n {
		for ch := range c {
			lo, hi := (i*c+ch)*p, (i*c+ch+1)*p
			s := activateGradRow(act, slope, y[lo:hi], dy[lo:hi])
			if dbias != nil {
				dbias[ch] += s
			}
		}
	}
}

// activateGradRow scales one row of gradients and returns its sum.
func activateGradRow(act Activation, slope float32, y, dy []float32) float32 {
	y = y[:len(dy)]
	var s float32
	switch act {
	case Identity:
		for _, g := range dy {
			s += g
		}
	case ReLU:
		// ReLU outputs are ≥ 0, so the input was positive exactly where the
		// output's bits are nonzero; x | -x has its top bit set iff x ≠ 0.
		for j, v := range y {
			yb := int32(math.Float32bits(v))
			keep := uint32((yb | -yb) >> 31)
			g := math.Float32frombits(math.Float32bits(dy[j]) & keep)
			dy[j] = g
			s += g
		}
	case LeakyReLU:
		one, sl := math.Float32bits(1), math.Float32bits(slope)
		for j, v := range y {
			neg := uint32(int32(math.Float32bits(v)) >> 31)
			g := dy[j] * math.Float32frombits(one&^neg|sl&neg)
			dy[j] = g
			s += g
		}
	case Tanh:
		for j, v := range y {
			dy[j] *= 1 - v*v
			s += dy[j]
		}
	default:
		panic("kernels: unknown activation " + act.String())
	}
	return s
}
