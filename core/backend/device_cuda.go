//go:build cuda

package backend

import "gorgonia.org/gorgonia"

// CUDAAvailable reports whether this binary was built with CUDA support.
func CUDAAvailable() bool { return true }

// newMachine compiles g for dev. Built with the cuda tag, gorgonia's tape
// machine runs the ops that have CUDA kernels (its CUDADoers) on the GPU by
// itself; ndalab's custom ops have none and run on the CPU, gorgonia moving
// their operands. A CPU graph in such a binary takes the same machine.
//
// TODO(ndalab): untested: the development machine has no CUDA toolkit
// (cuda.h, cudnn.h), so this file has never been compiled. Custom ops would
// need CUDADo methods for the GPU to pay off.
func newMachine(g *gorgonia.ExprGraph, _ Device) (gorgonia.VM, error) {
	return gorgonia.NewTapeMachine(g), nil
}
