package ndaregion

import (
	"testing"

	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

// TestConformance runs the plugin conformance kit in-process and over an
// in-memory gRPC connection.
func TestConformance(t *testing.T) {
	plugintest.Run(t, New(), plugintest.Options{})
}
