// Package inception is an Inception-v3 feature extractor for FID and KID:
// a plain-Go, evaluation-only forward pass that maps images to the
// 2048-d pool3 features that FID is defined on.
//
// Weights cannot ship with ndalab, so the user supplies them as a
// safetensors file of float32 (or float64) tensors with torchvision's
// Inception3 names: for each convolution NAME listed by Tensors,
// NAME.conv.weight (out×in×kh×kw) and NAME.bn.weight, NAME.bn.bias,
// NAME.bn.running_mean, NAME.bn.running_var (out each), e.g.
// "Mixed_5b.branch5x5_2.conv.weight" of shape 64×48×5×5. Other tensors
// (fc.*, AuxLogits.*, *.num_batches_tracked) are ignored. docs/inception.md
// lists every tensor and shows how to export a file from PyTorch.
//
// Images arrive as N×C×H×W in [-1, 1] (C = 1 is repeated to 3 channels),
// are resized to 299×299 with bilinear interpolation as pytorch-fid does,
// and come back as N×2048×1×1 features. With Options.FIDVariant the pooling
// of the Inception blocks follows pytorch-fid's FIDInception blocks (the
// TensorFlow graph FID was defined with), so pytorch-fid's converted
// weights reproduce its features; without it, torchvision's blocks.
//
// Cost: about 5.7 billion multiply-adds per image; on two cores, 0.07 to
// 0.1 s per image with oneDNN (the onednn build tag), 0.11 to 0.13 s with
// OpenBLAS (openblas), 0.47 s with gonum's pure-Go BLAS, so 10,000 images
// take 12 to 80 minutes; compute reference features once and cache their
// statistics.
package inception

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/ndalab/ndalab/core"
)

// Options select the network variant.
type Options struct {
	// FIDVariant uses pytorch-fid's blocks: average pools that do not count
	// padding in Mixed_5*, Mixed_6b-e and Mixed_7b, and a max pool in the
	// pooling branch of Mixed_7c.
	FIDVariant bool
}

// Net is a loaded network. It is read-only after Load, so one Net serves
// concurrent Features calls.
type Net struct {
	convs map[string]*conv
	opts  Options
	size  int    // input side; InputSize except in tests
	hash  string // sha256 of the weights file, hex
}

// Load reads a safetensors weights file (see the package doc); errors name
// the file and the tensor.
func Load(path string, opts Options) (*Net, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: inception: read weights: %v", core.ErrNotFound, err)
	}
	n, err := FromSafetensors(data, opts)
	if err != nil {
		return nil, fmt.Errorf("inception: weights %s: %w", path, err)
	}
	return n, nil
}

// Hash is the hex sha256 of the weights file: the feature network's
// identity for fid.RefKey.FeatureHash.
func (n *Net) Hash() string { return n.hash }

// FromSafetensors builds the network from the bytes of a safetensors file.
func FromSafetensors(data []byte, opts Options) (*Net, error) {
	convs, err := readWeights(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &Net{convs: convs, opts: opts, size: InputSize, hash: hex.EncodeToString(sum[:])}, nil
}

// Features embeds a batch of images (N×C×H×W, C 1 or 3, H and W ≥ 2,
// values in [-1, 1]) into N×2048×1×1 pool3 features. Images are spread
// over the CPUs.
func (n *Net) Features(ctx context.Context, b *core.Batch) (*core.Batch, error) {
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("inception: features: %w", err)
	}
	c, h, w := b.Shape[1], b.Shape[2], b.Shape[3]
	if (c != 1 && c != 3) || h < 2 || w < 2 {
		return nil, fmt.Errorf("%w: inception: images of shape %v: want N×1×H×W or N×3×H×W",
			core.ErrInvalidArgument, b.Shape)
	}

	out := core.NewBatch(b.N(), FeatureDim, 1, 1)
	out.Labels = b.Labels
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(b.N(), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				img := &fmap{c: 3, h: h, w: w, data: make([]float32, 3*h*w)}
				for ch := range 3 {
					copy(img.data[ch*h*w:(ch+1)*h*w], b.Sample(i)[(ch%c)*h*w:])
				}
				copy(out.Sample(i), n.forward(img, nil))
			}
		}()
	}
	var err error
	for i := range b.N() {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("inception: features: %w: %v", core.ErrCanceled, err)
	}
	return out, nil
}

// forward runs one 3×H×W image; observe, when set, sees the output of the
// stem and of every Inception block by name.
func (n *Net) forward(x *fmap, observe func(string, *fmap)) []float32 {
	see := func(name string, x *fmap) *fmap {
		if observe != nil {
			observe(name, x)
		}
		return x
	}
	x = resizeBilinear(x, n.size)
	for _, name := range []string{"Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"} {
		x = n.conv(name, x)
	}
	x = maxPool3(x, 2, 0)
	x = n.conv("Conv2d_3b_1x1", x)
	x = n.conv("Conv2d_4a_3x3", x)
	x = see("stem", maxPool3(x, 2, 0))

	fid := n.opts.FIDVariant
	for _, name := range []string{"Mixed_5b", "Mixed_5c", "Mixed_5d"} {
		x = see(name, n.blockA(name, x, !fid))
	}
	x = see("Mixed_6a", n.blockB("Mixed_6a", x))
	for _, name := range []string{"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"} {
		x = see(name, n.blockC(name, x, !fid))
	}
	x = see("Mixed_7a", n.blockD("Mixed_7a", x))
	x = see("Mixed_7b", n.blockE("Mixed_7b", x, func(x *fmap) *fmap { return avgPool3(x, !fid) }))
	x = see("Mixed_7c", n.blockE("Mixed_7c", x, func(x *fmap) *fmap {
		if fid {
			return maxPool3(x, 1, 1)
		}
		return avgPool3(x, true)
	}))
	return meanPool(x)
}

func (n *Net) conv(name string, x *fmap) *fmap {
	cv, ok := n.convs[name]
	if !ok {
		panic("inception: no convolution " + name + " (architecture bug)")
	}
	return cv.apply(x)
}

// chain applies the named convolutions in order.
func (n *Net) chain(x *fmap, names ...string) *fmap {
	for _, name := range names {
		x = n.conv(name, x)
	}
	return x
}

func (n *Net) blockA(p string, x *fmap, includePad bool) *fmap {
	return concat(
		n.conv(p+".branch1x1", x),
		n.chain(x, p+".branch5x5_1", p+".branch5x5_2"),
		n.chain(x, p+".branch3x3dbl_1", p+".branch3x3dbl_2", p+".branch3x3dbl_3"),
		n.conv(p+".branch_pool", avgPool3(x, includePad)),
	)
}

func (n *Net) blockB(p string, x *fmap) *fmap {
	return concat(
		n.conv(p+".branch3x3", x),
		n.chain(x, p+".branch3x3dbl_1", p+".branch3x3dbl_2", p+".branch3x3dbl_3"),
		maxPool3(x, 2, 0),
	)
}

func (n *Net) blockC(p string, x *fmap, includePad bool) *fmap {
	return concat(
		n.conv(p+".branch1x1", x),
		n.chain(x, p+".branch7x7_1", p+".branch7x7_2", p+".branch7x7_3"),
		n.chain(x, p+".branch7x7dbl_1", p+".branch7x7dbl_2", p+".branch7x7dbl_3",
			p+".branch7x7dbl_4", p+".branch7x7dbl_5"),
		n.conv(p+".branch_pool", avgPool3(x, includePad)),
	)
}

func (n *Net) blockD(p string, x *fmap) *fmap {
	return concat(
		n.chain(x, p+".branch3x3_1", p+".branch3x3_2"),
		n.chain(x, p+".branch7x7x3_1", p+".branch7x7x3_2", p+".branch7x7x3_3", p+".branch7x7x3_4"),
		maxPool3(x, 2, 0),
	)
}

func (n *Net) blockE(p string, x *fmap, pool func(*fmap) *fmap) *fmap {
	b3 := n.conv(p+".branch3x3_1", x)
	d3 := n.chain(x, p+".branch3x3dbl_1", p+".branch3x3dbl_2")
	return concat(
		n.conv(p+".branch1x1", x),
		n.conv(p+".branch3x3_2a", b3), n.conv(p+".branch3x3_2b", b3),
		n.conv(p+".branch3x3dbl_3a", d3), n.conv(p+".branch3x3dbl_3b", d3),
		n.conv(p+".branch_pool", pool(x)),
	)
}
