package inception

import "fmt"

// convSpec is one BasicConv2d of torchvision's Inception3: a bias-free
// convolution, batch norm (eps 0.001) and ReLU. Its tensors are
// name+".conv.weight" (out×in×kh×kw) and name+".bn.weight", ".bn.bias",
// ".bn.running_mean", ".bn.running_var" (out each).
type convSpec struct {
	name    string
	in, out int
	kh, kw  int
	stride  int
	ph, pw  int
}

func basic(name string, in, out, k, stride, pad int) convSpec {
	return convSpec{name: name, in: in, out: out, kh: k, kw: k, stride: stride, ph: pad, pw: pad}
}

// rect is a 1×7, 7×1, 1×3 or 3×1 convolution with "same" padding.
func rect(name string, in, out, kh, kw int) convSpec {
	return convSpec{name: name, in: in, out: out, kh: kh, kw: kw, stride: 1, ph: kh / 2, pw: kw / 2}
}

// Architecture constants: input side, feature width, batch-norm epsilon.
const (
	InputSize    = 299
	FeatureDim   = 2048
	batchNormEps = 1e-3
)

// stemSpecs are the convolutions before the Inception blocks.
func stemSpecs() []convSpec {
	return []convSpec{
		basic("Conv2d_1a_3x3", 3, 32, 3, 2, 0),
		basic("Conv2d_2a_3x3", 32, 32, 3, 1, 0),
		basic("Conv2d_2b_3x3", 32, 64, 3, 1, 1),
		basic("Conv2d_3b_1x1", 64, 80, 1, 1, 0),
		basic("Conv2d_4a_3x3", 80, 192, 3, 1, 0),
	}
}

func specsA(p string, in, poolFeatures int) []convSpec {
	return []convSpec{
		basic(p+".branch1x1", in, 64, 1, 1, 0),
		basic(p+".branch5x5_1", in, 48, 1, 1, 0),
		basic(p+".branch5x5_2", 48, 64, 5, 1, 2),
		basic(p+".branch3x3dbl_1", in, 64, 1, 1, 0),
		basic(p+".branch3x3dbl_2", 64, 96, 3, 1, 1),
		basic(p+".branch3x3dbl_3", 96, 96, 3, 1, 1),
		basic(p+".branch_pool", in, poolFeatures, 1, 1, 0),
	}
}

func specsB(p string, in int) []convSpec {
	return []convSpec{
		basic(p+".branch3x3", in, 384, 3, 2, 0),
		basic(p+".branch3x3dbl_1", in, 64, 1, 1, 0),
		basic(p+".branch3x3dbl_2", 64, 96, 3, 1, 1),
		basic(p+".branch3x3dbl_3", 96, 96, 3, 2, 0),
	}
}

func specsC(p string, in, c7 int) []convSpec {
	return []convSpec{
		basic(p+".branch1x1", in, 192, 1, 1, 0),
		basic(p+".branch7x7_1", in, c7, 1, 1, 0),
		rect(p+".branch7x7_2", c7, c7, 1, 7),
		rect(p+".branch7x7_3", c7, 192, 7, 1),
		basic(p+".branch7x7dbl_1", in, c7, 1, 1, 0),
		rect(p+".branch7x7dbl_2", c7, c7, 7, 1),
		rect(p+".branch7x7dbl_3", c7, c7, 1, 7),
		rect(p+".branch7x7dbl_4", c7, c7, 7, 1),
		rect(p+".branch7x7dbl_5", c7, 192, 1, 7),
		basic(p+".branch_pool", in, 192, 1, 1, 0),
	}
}

func specsD(p string, in int) []convSpec {
	return []convSpec{
		basic(p+".branch3x3_1", in, 192, 1, 1, 0),
		basic(p+".branch3x3_2", 192, 320, 3, 2, 0),
		basic(p+".branch7x7x3_1", in, 192, 1, 1, 0),
		rect(p+".branch7x7x3_2", 192, 192, 1, 7),
		rect(p+".branch7x7x3_3", 192, 192, 7, 1),
		basic(p+".branch7x7x3_4", 192, 192, 3, 2, 0),
	}
}

func specsE(p string, in int) []convSpec {
	return []convSpec{
		basic(p+".branch1x1", in, 320, 1, 1, 0),
		basic(p+".branch3x3_1", in, 384, 1, 1, 0),
		rect(p+".branch3x3_2a", 384, 384, 1, 3),
		rect(p+".branch3x3_2b", 384, 384, 3, 1),
		basic(p+".branch3x3dbl_1", in, 448, 1, 1, 0),
		basic(p+".branch3x3dbl_2", 448, 384, 3, 1, 1),
		rect(p+".branch3x3dbl_3a", 384, 384, 1, 3),
		rect(p+".branch3x3dbl_3b", 384, 384, 3, 1),
		basic(p+".branch_pool", in, 192, 1, 1, 0),
	}
}

// specs lists every convolution of the network, in forward order.
func specs() []convSpec {
	var all []convSpec
	all = append(all, stemSpecs()...)
	all = append(all, specsA("Mixed_5b", 192, 32)...)
	all = append(all, specsA("Mixed_5c", 256, 64)...)
	all = append(all, specsA("Mixed_5d", 288, 64)...)
	all = append(all, specsB("Mixed_6a", 288)...)
	all = append(all, specsC("Mixed_6b", 768, 128)...)
	all = append(all, specsC("Mixed_6c", 768, 160)...)
	all = append(all, specsC("Mixed_6d", 768, 160)...)
	all = append(all, specsC("Mixed_6e", 768, 192)...)
	all = append(all, specsD("Mixed_7a", 768)...)
	all = append(all, specsE("Mixed_7b", 1280)...)
	all = append(all, specsE("Mixed_7c", 2048)...)
	return all
}

// Tensor is the name and shape of one tensor the weights file must hold.
type Tensor struct {
	Name  string
	Shape []int
}

// Tensors lists every tensor Load reads, in forward order: per convolution
// its weight and four batch-norm tensors, torchvision's names. Other
// tensors in the file (fc.*, AuxLogits.*, *.num_batches_tracked) are
// ignored.
func Tensors() []Tensor {
	var out []Tensor
	for _, s := range specs() {
		out = append(out, Tensor{s.name + ".conv.weight", []int{s.out, s.in, s.kh, s.kw}})
		for _, bn := range []string{"weight", "bias", "running_mean", "running_var"} {
			out = append(out, Tensor{s.name + ".bn." + bn, []int{s.out}})
		}
	}
	return out
}

func (s convSpec) String() string {
	return fmt.Sprintf("%s %d→%d %d×%d/%d", s.name, s.in, s.out, s.kh, s.kw, s.stride)
}
