package inception

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/nlpodyssey/safetensors"
)

// RandomViews returns tensors with every expected name and shape and random
// values keyed by seed: He-scaled convolutions and batch norms close to the
// identity, so activations stay in range through all 94 layers. It also
// holds fc.bias, which a torchvision file has and Load ignores. Such
// weights test the architecture and the plumbing; their features mean
// nothing.
func RandomViews(seed uint64) (map[string]safetensors.TensorView, error) {
	r := rand.New(rand.NewPCG(seed, 3))
	views := map[string]safetensors.TensorView{}
	for _, ts := range Tensors() {
		n := 1
		shape := make([]uint64, len(ts.Shape))
		for i, d := range ts.Shape {
			n *= d
			shape[i] = uint64(d)
		}
		fanIn := 1
		if len(ts.Shape) == 4 {
			fanIn = ts.Shape[1] * ts.Shape[2] * ts.Shape[3]
		}
		buf := make([]byte, 4*n)
		for i := range n {
			var v float64
			switch {
			case strings.HasSuffix(ts.Name, ".conv.weight"):
				v = r.NormFloat64() * math.Sqrt(2/float64(fanIn))
			case strings.HasSuffix(ts.Name, ".bn.weight"), strings.HasSuffix(ts.Name, ".bn.running_var"):
				v = 0.8 + 0.4*r.Float64()
			default:
				v = 0.1 * r.NormFloat64()
			}
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
		}
		tv, err := safetensors.NewTensorView(safetensors.F32, shape, buf)
		if err != nil {
			return nil, err
		}
		views[ts.Name] = tv
	}
	fc, err := safetensors.NewTensorView(safetensors.F32, []uint64{2}, make([]byte, 8))
	if err != nil {
		return nil, err
	}
	views["fc.bias"] = fc
	return views, nil
}

// RandomWeights is RandomViews serialised as a safetensors file.
func RandomWeights(seed uint64) ([]byte, error) {
	views, err := RandomViews(seed)
	if err != nil {
		return nil, err
	}
	return safetensors.Serialize(views, nil)
}
