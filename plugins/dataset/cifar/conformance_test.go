package cifar

import (
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	t.Run("cifar10", func(t *testing.T) {
		cfg := core.Config{"data_dir": fakeCIFAR10(t)}
		plugintest.Run(t, New10(), plugintest.Options{Config: cfg})
	})
	t.Run("cifar100", func(t *testing.T) {
		root := t.TempDir()
		for _, f := range []string{"train.bin", "test.bin"} {
			writeFile(t, filepath.Join(root, "cifar100", "cifar-100-binary", f), layout100Fine,
				12, 3,
				func(i int) []byte { return []byte{byte(i), byte(5 * i)} })
		}
		plugintest.Run(t, New100(), plugintest.Options{Config: core.Config{"data_dir": root,
			"label": "coarse"}})
	})
}
