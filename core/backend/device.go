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

// CheckDevice reports whether this binary can compute on dev, with what to
// do instead when it cannot.
func CheckDevice(dev Device) error {
	if dev == CUDA && !CUDAAvailable() {
		_, err := newMachine(nil, dev)
		return err
	}
	return nil
}
