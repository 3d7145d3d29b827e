package positive

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	for _, c := range []core.Augmentation{NewCrop(), NewFlip(), NewJitter(), NewGrayscale(),
		NewBlur(), NewCompose()} {
		d, _ := c.Describe(context.Background())
		t.Run(d.Name, func(t *testing.T) { plugintest.Run(t, c, plugintest.Options{}) })
	}
}
