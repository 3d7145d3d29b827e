package registry_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/metric/inception"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

// fixtures holds data made in the real file formats for built-ins whose
// data cannot be fetched here: CIFAR-10 and CIFAR-100 binary files and an
// image folder. TestMain fills it.
var fixtures struct {
	cifarDir string // a data directory with cifar10/ and cifar100/
	imageDir string // an image folder with two classes of PNGs
	weights  string // random Inception-v3 weights in a safetensors file
}

// conformanceOptions gives the kit what a built-in needs beyond its
// defaults.
func conformanceOptions(b builtin.Plugin) plugintest.Options {
	switch b.ID() {
	case "dataset/cifar10", "dataset/cifar100":
		return plugintest.Options{Config: core.Config{"data_dir": fixtures.cifarDir}}
	case "dataset/imagefolder":
		return plugintest.Options{Config: core.Config{"root": fixtures.imageDir, "size": "16"}}
	case "model/inception-v3":
		// Two images: each costs about half a CPU-second at 299×299.
		return plugintest.Options{Config: core.Config{"weights": fixtures.weights}, BatchSize: 2}
	}
	return plugintest.Options{}
}

func writeFixtures(dir string) error {
	fixtures.cifarDir = filepath.Join(dir, "data")
	fixtures.imageDir = filepath.Join(dir, "images")
	fixtures.weights = filepath.Join(dir, "inception.safetensors")
	weights, err := inception.RandomWeights(1)
	if err != nil {
		return err
	}
	if err := os.WriteFile(fixtures.weights, weights, 0o644); err != nil {
		return err
	}

	// CIFAR-10: records of 1 label byte + 3072 pixel bytes; CIFAR-100: 2
	// label bytes (coarse, fine) + 3072.
	ten := filepath.Join(fixtures.cifarDir, "cifar10", "cifar-10-batches-bin")
	files := map[string][]byte{}
	for _, name := range []string{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
		"data_batch_5", "test_batch"} {
		files[filepath.Join(ten, name+".bin")] = cifarRecords(12, 1, 10)
	}
	hundred := filepath.Join(fixtures.cifarDir, "cifar100", "cifar-100-binary")
	files[filepath.Join(hundred, "train.bin")] = cifarRecords(12, 2, 20)
	files[filepath.Join(hundred, "test.bin")] = cifarRecords(6, 2, 20)
	for path, data := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}

	for c, class := range []string{"circles", "squares"} {
		classDir := filepath.Join(fixtures.imageDir, class)
		if err := os.MkdirAll(classDir, 0o755); err != nil {
			return err
		}
		for i := 0; i < 6; i++ {
			if err := writePNG(filepath.Join(classDir, class+string(rune('a'+i))+".png"), c, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// cifarRecords returns n records with labelBytes label bytes each (labels
// below classes) and a pixel pattern that differs per record.
func cifarRecords(n, labelBytes, classes int) []byte {
	var out []byte
	for i := 0; i < n; i++ {
		for l := 0; l < labelBytes; l++ {
			out = append(out, byte((i+l)%classes))
		}
		for p := 0; p < 3072; p++ {
			out = append(out, byte(p*7+i*31))
		}
	}
	return out
}

func writePNG(path string, class, i int) error {
	img := image.NewRGBA(image.Rect(0, 0, 20, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 20; x++ {
			img.Set(x, y, color.RGBA{uint8(40 * class), uint8(10*x + i), uint8(10 * y), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
