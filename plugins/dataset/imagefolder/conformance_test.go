package imagefolder

import (
	"fmt"
	"image/color"
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	root := t.TempDir()
	for c, col := range []color.RGBA{red, green, blue} {
		for i := range 6 {
			writeImage(t, filepath.Join(root, fmt.Sprint("c", c), fmt.Sprint(i, ".png")), 20+i,
				24, solid(col))
		}
	}
	plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"root": root, "size": 12,
		"test_fraction": 0.2}})
}
