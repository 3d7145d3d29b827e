package nn

import (
	"fmt"
	"runtime"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
)

// Compute is where and how wide a model built on these layers computes.
type Compute struct {
	Device  backend.Device
	Workers int // ≥ 1
}

// ComputeParams declares the parameters every model on these layers
// takes: device, and workers with defaultWorkers as its default. The
// device's allowed values are those the layers can run on, so that an
// experiment asking for another is refused before any training starts.
func ComputeParams(defaultWorkers int) []core.Param {
	return []core.Param{
		{Name: "device", Type: core.TypeString, Default: string(backend.CPU),
			Enum: []string{string(backend.CPU)},
			Doc:  "where the model computes; these layers have CPU kernels only, so not cuda"},
		{Name: "workers", Type: core.TypeInt, Default: defaultWorkers,
			Doc: "goroutines per layer; 0 = GOMAXPROCS", Min: core.Bound(0), Max: core.Bound(256)},
	}
}

// ComputeOf reads what ComputeParams declared from a resolved config and
// checks that this binary can compute there.
func ComputeOf(cfg core.Config) (Compute, error) {
	dev, err := backend.ParseDevice(cfg.String("device"))
	if err != nil {
		return Compute{}, fmt.Errorf("param device: %w", err)
	}
	if err := checkDevice(dev); err != nil {
		return Compute{}, fmt.Errorf("param device: %w", err)
	}
	workers := cfg.Int("workers")
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return Compute{Device: dev, Workers: workers}, nil
}

// checkDevice refuses a device the layers cannot run on, with what to do
// instead.
func checkDevice(dev backend.Device) error {
	if dev == backend.CPU {
		return nil
	}
	if err := backend.CheckDevice(dev); err != nil {
		return err
	}
	// TODO(ndalab): GPU kernels for core/backend/kernels (cuBLAS GEMM and
	// device-resident buffers); until then a cuda binary still trains
	// these layers on the CPU only, and saying so beats running slowly.
	return fmt.Errorf("device %q: the layers of core/backend/nn have CPU kernels only; "+
		"use device %q: %w", dev, backend.CPU, core.ErrUnimplemented)
}
