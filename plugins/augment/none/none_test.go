package none

import (
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/augtest"
)

func TestIdentity(t *testing.T) {
	in := augtest.Noise(1, 4, 3, 8, 8)
	for _, role := range []string{core.RoleNegative, core.RolePositive} {
		out := augtest.Apply(t, New(), core.AugmentRequest{Role: role}, in)
		if !slices.Equal(out.Data, in.Data) || !slices.Equal(out.Labels, in.Labels) {
			t.Fatal("none changed its input")
		}
		out.Data[0] = 2
		if in.Data[0] == 2 {
			t.Fatal("none returned its input's storage")
		}
	}
}

func BenchmarkApply(b *testing.B) { augtest.Bench(b, New(), core.Config{}) }
