//go:build !cuda

package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
)

// CUDAAvailable reports whether this binary was built with CUDA support.
func CUDAAvailable() bool { return false }

// newMachine compiles g for dev. Without the cuda build tag only the CPU is
// available, and asking for CUDA is an error the user can act on.
func newMachine(g *gorgonia.ExprGraph, dev Device) (gorgonia.VM, error) {
	if dev == CUDA {
		return nil, fmt.Errorf("device %q: this ndalab binary was built without CUDA; "+
			"rebuild with -tags cuda on a machine with the CUDA toolkit, or use device %q: %w",
			dev, CPU, core.ErrUnimplemented)
	}
	return gorgonia.NewTapeMachine(g), nil
}
