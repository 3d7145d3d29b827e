package inception

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/ndalab/ndalab/core"
	"github.com/nlpodyssey/safetensors"
)

// readWeights reads every convolution and its batch norm from a
// safetensors file and folds the batch norm into the convolution:
// w' = w·γ/√(var+ε), b' = β - mean·γ/√(var+ε).
func readWeights(data []byte) (map[string]*conv, error) {
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return nil, fmt.Errorf("%w: not a safetensors file: %v", core.ErrInvalidArgument, err)
	}
	get := func(name string, shape []int) ([]float32, error) {
		tv, ok := st.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("%w: tensor %q is missing (docs/inception.md lists the "+
				"expected names)", core.ErrInvalidArgument, name)
		}
		got := make([]int, len(tv.Shape()))
		for i, d := range tv.Shape() {
			got[i] = int(d)
		}
		if !slices.Equal(got, shape) {
			return nil, fmt.Errorf("%w: tensor %q has shape %v, want %v",
				core.ErrInvalidArgument, name, got, shape)
		}
		return decode(name, tv)
	}

	convs := map[string]*conv{}
	for _, s := range specs() {
		w, err := get(s.name+".conv.weight", []int{s.out, s.in, s.kh, s.kw})
		if err != nil {
			return nil, err
		}
		var bn [4][]float32
		for i, part := range []string{"weight", "bias", "running_mean", "running_var"} {
			if bn[i], err = get(s.name+".bn."+part, []int{s.out}); err != nil {
				return nil, err
			}
		}
		gamma, beta, mean, variance := bn[0], bn[1], bn[2], bn[3]

		cv := &conv{spec: s, weight: w, bias: make([]float32, s.out)}
		k := s.in * s.kh * s.kw
		for o := range s.out {
			if variance[o] < 0 {
				return nil, fmt.Errorf("%w: tensor %q: running variance %d is negative (%v)",
					core.ErrInvalidArgument, s.name+".bn.running_var", o, variance[o])
			}
			scale := float64(gamma[o]) / math.Sqrt(float64(variance[o])+batchNormEps)
			for i := range k {
				w[o*k+i] = float32(float64(w[o*k+i]) * scale)
			}
			cv.bias[o] = float32(float64(beta[o]) - float64(mean[o])*scale)
		}
		convs[s.name] = cv
	}
	return convs, nil
}

// decode converts a little-endian F32 or F64 tensor to a new float32 slice.
func decode(name string, tv safetensors.TensorView) ([]float32, error) {
	raw := tv.Data()
	var out []float32
	switch tv.DType() {
	case safetensors.F32:
		out = make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case safetensors.F64:
		out = make([]float32, len(raw)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	default:
		return nil, fmt.Errorf("%w: tensor %q is %v; want F32 or F64 (convert with .float())",
			core.ErrInvalidArgument, name, tv.DType())
	}
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: tensor %q: value %d is %v",
				core.ErrInvalidArgument, name, i, v)
		}
	}
	return out, nil
}
