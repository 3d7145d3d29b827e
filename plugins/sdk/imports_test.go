package sdk_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The SDK stays light: what a plugin author imports must not pull in the
// compute backend, the database or the config loader.
func TestSDKImportsStayLight(t *testing.T) {
	forbidden := []string{"gorgonia.org/", "github.com/mattn/go-sqlite3", "github.com/knadh/koanf"}
	pkgs := []string{
		"github.com/ndalab/ndalab/core",
		"github.com/ndalab/ndalab/plugins/protocol",
		"github.com/ndalab/ndalab/plugins/sdk",
		"github.com/ndalab/ndalab/plugins/sdk/plugintest",
	}
	for _, pkg := range pkgs {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
