package mixup

import (
	"testing"

	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

func TestConformance(t *testing.T) { plugintest.Run(t, New(), plugintest.Options{}) }
