package toy2d

import (
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	t.Run("toy2d", func(t *testing.T) { plugintest.Run(t, New(), plugintest.Options{}) })
	t.Run("toy2d-grid", func(t *testing.T) {
		plugintest.Run(t, New(), plugintest.Options{Config: core.Config{"layout": "grid",
			"modes": 25}})
	})
	t.Run("toy2d-forbidden", func(t *testing.T) {
		plugintest.Run(t, NewForbidden(),
			plugintest.Options{})
	})
}
