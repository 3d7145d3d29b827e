package inception

import (
	"context"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/nlpodyssey/safetensors"
)

// randomViews is RandomViews for tests.
func randomViews(t testing.TB, seed uint64) map[string]safetensors.TensorView {
	t.Helper()
	views, err := RandomViews(seed)
	if err != nil {
		t.Fatal(err)
	}
	return views
}

var (
	sharedOnce  sync.Once
	sharedViews map[string]safetensors.TensorView
	sharedData  []byte
)

// weightsWith serialises one random weights file shared by the whole test
// binary, with the tensors in extra added or replaced; a zero TensorView
// removes one.
func weightsWith(t testing.TB, extra map[string]safetensors.TensorView) []byte {
	t.Helper()
	sharedOnce.Do(func() {
		sharedViews = randomViews(t, 1)
		var err error
		if sharedData, err = safetensors.Serialize(sharedViews, nil); err != nil {
			t.Fatal(err)
		}
	})
	if len(extra) == 0 {
		return sharedData
	}
	views := maps.Clone(sharedViews)
	for name, tv := range extra {
		if tv.Shape() == nil {
			delete(views, name)
			continue
		}
		views[name] = tv
	}
	data, err := safetensors.Serialize(views, nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadShared(t testing.TB, opts Options) *Net {
	t.Helper()
	path := filepath.Join(t.TempDir(), "inception.safetensors")
	if err := os.WriteFile(path, weightsWith(t, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type shape3 [3]int

// checkShapes runs one image of side size and compares every block's
// output shape against want.
func checkShapes(t *testing.T, n *Net, size int, want map[string]shape3) {
	t.Helper()
	n.size = size
	r := rand.New(rand.NewPCG(2, 2))
	img := randomFmap(r, 3, size, size)
	got := map[string]shape3{}
	feat := n.forward(img, func(name string, x *fmap) { got[name] = shape3{x.c, x.h, x.w} })
	for name, w := range want {
		if got[name] != w {
			t.Errorf("size %d: %s is %v, want %v", size, name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("size %d: observed %d blocks, want %d", size, len(got), len(want))
	}
	if len(feat) != FeatureDim {
		t.Fatalf("feature width %d, want %d", len(feat), FeatureDim)
	}
	nonzero := 0
	for i, v := range feat {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v < 0 {
			t.Fatalf("feature %d is %v; pool3 features are finite and ≥ 0 after ReLU", i, v)
		}
		if v > 0 {
			nonzero++
		}
	}
	if nonzero < FeatureDim/10 {
		t.Errorf("only %d of %d features are non-zero: activations died", nonzero, FeatureDim)
	}
}

func TestArchitectureShapes75(t *testing.T) {
	// 75×75 is the smallest input Inception-v3 accepts: the stem ends at
	// 7×7, Mixed_6a halves to 3×3, Mixed_7a to 1×1.
	n := loadShared(t, Options{})
	checkShapes(t, n, 75, map[string]shape3{
		"stem": {192, 7, 7}, "Mixed_5b": {256, 7, 7}, "Mixed_5c": {288, 7, 7}, "Mixed_5d": {288, 7, 7},
		"Mixed_6a": {768, 3, 3}, "Mixed_6b": {768, 3, 3}, "Mixed_6c": {768, 3, 3}, "Mixed_6d": {768, 3, 3},
		"Mixed_6e": {768, 3, 3}, "Mixed_7a": {1280, 1, 1}, "Mixed_7b": {2048, 1, 1}, "Mixed_7c": {2048, 1, 1},
	})
}

func TestArchitectureShapes299(t *testing.T) {
	if testing.Short() {
		t.Skip("one full 299×299 forward pass (about a second)")
	}
	// torchvision's documented sizes: 35×35 after the stem, 17×17 after
	// Mixed_6a, 8×8 after Mixed_7a.
	n := loadShared(t, Options{})
	checkShapes(t, n, InputSize, map[string]shape3{
		"stem": {192, 35, 35}, "Mixed_5b": {256, 35, 35}, "Mixed_5c": {288, 35, 35}, "Mixed_5d": {288, 35, 35},
		"Mixed_6a": {768, 17, 17}, "Mixed_6b": {768, 17, 17}, "Mixed_6c": {768, 17, 17}, "Mixed_6d": {768, 17, 17},
		"Mixed_6e": {768, 17, 17}, "Mixed_7a": {1280, 8, 8}, "Mixed_7b": {2048, 8, 8}, "Mixed_7c": {2048, 8, 8},
	})
}

func TestParameterCount(t *testing.T) {
	// torchvision's Inception3 has 27,161,264 parameters. Without fc
	// (2048·1000 + 1000 = 2,049,000) and AuxLogits (768·128 + 2·128 for
	// conv0, 128·768·25 + 2·768 for conv1, 768·1000 + 1000 for its fc:
	// 3,326,696), 21,785,568 remain in the convolutions and batch-norm
	// scales and shifts that Tensors lists.
	total := 0
	for _, ts := range Tensors() {
		n := 1
		for _, d := range ts.Shape {
			n *= d
		}
		if !strings.HasSuffix(ts.Name, "running_mean") && !strings.HasSuffix(ts.Name, "running_var") {
			total += n
		}
	}
	if total != 21785568 {
		t.Errorf("%d trainable parameters, want 21,785,568", total)
	}
}

func TestFeatures(t *testing.T) {
	n := loadShared(t, Options{})
	n.size = 75
	r := rand.New(rand.NewPCG(4, 4))
	gray := core.NewBatch(3, 1, 20, 24)
	for i := range gray.Data {
		gray.Data[i] = float32(2*r.Float64() - 1)
	}
	gray.Labels = []int32{3, 1, 2}
	rgb := core.NewBatch(3, 3, 20, 24)
	for i := range 3 {
		for c := range 3 {
			copy(rgb.Sample(i)[c*20*24:], gray.Sample(i))
		}
	}

	a, err := n.Features(context.Background(), gray)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.Features(context.Background(), rgb)
	if err != nil {
		t.Fatal(err)
	}
	if a.Shape != [4]int{3, FeatureDim, 1, 1} || a.Labels[0] != 3 {
		t.Fatalf("shape %v, labels %v", a.Shape, a.Labels)
	}
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("grey image and its 3-channel copy differ at %d: %v, %v", i, a.Data[i], b.Data[i])
		}
	}
	if same := equalPrefix(a.Sample(0), a.Sample(1)); same {
		t.Error("two different images gave identical features")
	}

	// The FID variant pools differently, so the same weights give other
	// features.
	fidNet := loadShared(t, Options{FIDVariant: true})
	fidNet.size = 75
	c, err := fidNet.Features(context.Background(), gray)
	if err != nil {
		t.Fatal(err)
	}
	if equalPrefix(a.Data, c.Data) {
		t.Error("FID variant and torchvision variant gave identical features")
	}

	_, err = n.Features(context.Background(), core.NewBatch(1, 2, 8, 8))
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("2-channel images: %v, want ErrInvalidArgument", err)
	}
}

func equalPrefix(a, b []float32) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wrongShape, _ := safetensors.NewTensorView(safetensors.F32, []uint64{32, 3, 3, 2}, make([]byte, 4*32*3*3*2))
	f16, _ := safetensors.NewTensorView(safetensors.F16, []uint64{32}, make([]byte, 2*32))
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"garbage", "not a safetensors file", []byte("hello")},
		{"missing", `"Mixed_7c.branch_pool.bn.running_var" is missing`,
			weightsWith(t, map[string]safetensors.TensorView{"Mixed_7c.branch_pool.bn.running_var": {}})},
		{"shape", `"Conv2d_1a_3x3.conv.weight" has shape [32 3 3 2]`,
			weightsWith(t, map[string]safetensors.TensorView{"Conv2d_1a_3x3.conv.weight": wrongShape})},
		{"dtype", `"Conv2d_1a_3x3.bn.bias" is F16`,
			weightsWith(t, map[string]safetensors.TensorView{"Conv2d_1a_3x3.bn.bias": f16})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(c.name+".safetensors", c.data)
			_, err := Load(path, Options{})
			if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), path) {
				t.Errorf("error %v: want ErrInvalidArgument naming %s and containing %q", err, path, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "absent.safetensors"), Options{}); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("absent file: %v, want ErrNotFound", err)
	}
}

// BenchmarkFeatures299 embeds 4 images at full size.
func BenchmarkFeatures299(b *testing.B) {
	n := loadShared(b, Options{FIDVariant: true})
	batch := core.NewBatch(4, 3, 32, 32)
	r := rand.New(rand.NewPCG(5, 5))
	for i := range batch.Data {
		batch.Data[i] = float32(2*r.Float64() - 1)
	}
	for b.Loop() {
		if _, err := n.Features(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
