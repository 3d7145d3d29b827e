package mnist

import (
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	t.Run("mnist", func(t *testing.T) {
		cfg := core.Config{"data_dir": fetched(t, "mnist")}
		plugintest.Run(t, New(), plugintest.Options{Config: cfg})
	})
	t.Run("fashion-mnist", func(t *testing.T) {
		cfg := core.Config{"data_dir": fetched(t, "fashion-mnist")}
		plugintest.Run(t, NewFashion(), plugintest.Options{Config: cfg})
	})
}
