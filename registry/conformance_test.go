package registry_test

import (
	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

// conformanceOptions gives the kit what a built-in needs beyond its
// defaults, such as the sample shape of a model that only embeds.
func conformanceOptions(b builtin.Plugin) plugintest.Options {
	return plugintest.Options{}
}
