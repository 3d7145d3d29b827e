package inception

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/core"
)

var torchDump = flag.String("torchdump", "",
	"write the random weights and test images into this directory for testdata/torchvision_check.py")

// torchImages are the two test images: a 40×40 RGB and a 33×47 grey one,
// uniform in [-1, 1].
func torchImages() []*core.Batch {
	r := rand.New(rand.NewPCG(6, 6))
	out := []*core.Batch{core.NewBatch(1, 3, 40, 40), core.NewBatch(1, 1, 33, 47)}
	for _, b := range out {
		for i := range b.Data {
			b.Data[i] = float32(2*r.Float64() - 1)
		}
	}
	return out
}

// TestAgainstTorchvision compares the features with those of torchvision
// 0.14's Inception3 (eval mode, transform_input=False, fc replaced by
// identity) loaded with the same random weights, on inputs resized to
// 107×107 (so Mixed_7b and Mixed_7c see 2×2 maps and their pooling matters)
// by torch.nn.functional.interpolate (bilinear, align_corners=False); and,
// for Options.FIDVariant, with the same network whose pooling is routed as
// in pytorch-fid's FIDInception blocks. testdata/torchvision_features.json
// holds torch's output; testdata/torchvision_check.py regenerates it.
func TestAgainstTorchvision(t *testing.T) {
	data, err := os.ReadFile("testdata/torchvision_features.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][][]float64
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	imgs := torchImages()
	if *torchDump != "" {
		dumpForTorch(t, *torchDump, imgs)
	}

	for _, variant := range []string{"torchvision", "fid"} {
		if len(want[variant]) != len(imgs) {
			t.Fatalf("testdata/torchvision_features.json holds %d %q feature vectors, want %d",
				len(want[variant]), variant, len(imgs))
		}
		n := loadShared(t, Options{FIDVariant: variant == "fid"})
		n.size = 107
		for k, img := range imgs {
			got, err := n.Features(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			// float32 through 94 layers in another summation order: agree
			// to 1e-4 of the largest feature.
			var scale, worst float64
			for _, v := range want[variant][k] {
				scale = max(scale, math.Abs(v))
			}
			for i, v := range got.Data {
				worst = max(worst, math.Abs(float64(v)-want[variant][k][i]))
			}
			t.Logf("%s, image %d: largest feature %.4g, largest difference %.3g", variant, k, scale, worst)
			if worst > 1e-4*scale {
				t.Errorf("%s, image %d: features differ from torch by up to %g (largest %g)",
					variant, k, worst, scale)
			}
		}
	}
}

func dumpForTorch(t *testing.T, dir string, imgs []*core.Batch) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "weights.safetensors"), weightsWith(t, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, img := range imgs {
		buf := make([]byte, 4*len(img.Data))
		for i, v := range img.Data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		name := filepath.Join(dir, "image"+string(rune('0'+k))+".bin")
		if err := os.WriteFile(name, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
