package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// Device names where a graph computes: a config value.
type Device string

// The devices. CPU is the default; CUDA needs a binary built with the
// cuda tag on a machine with the CUDA toolkit.
const (
	CPU  Device = "cpu"
	CUDA Device = "cuda"
)

// ParseDevice checks a configured device name; "" means CPU.
func ParseDevice(s string) (Device, error) {
	switch Device(s) {
	case "", CPU:
		return CPU, nil
	case CUDA:
		return CUDA, nil
	}
	return "", fmt.Errorf("parse device %q: want %q or %q: %w", s, CPU, CUDA, core.ErrInvalidArgument)
}
