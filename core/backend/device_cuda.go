//go:build cuda

package backend

import "gorgonia.org/gorgonia"

// CUDAAvailable reports whether this binary was built with CUDA support.
func CUDAAvailable() bool { return true }

// newMachine compiles g for dev. With CUDA, gorgonia's engine runs the ops
// that have CUDA kernels on the GPU; ndalab's custom ops run on the CPU
// and gorgonia moves their operands.
//
// TODO(ndalab): untested: the development machine has no CUDA headers.
func newMachine(g *gorgonia.ExprGraph, dev Device) (gorgonia.VM, error) {
	if dev == CUDA {
		return gorgonia.NewTapeMachine(g, gorgonia.UseCudaFor()), nil
	}
	return gorgonia.NewTapeMachine(g), nil
}
