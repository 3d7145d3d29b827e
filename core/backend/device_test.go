//go:build !cuda

package backend

import (
	"errors"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
)

func TestDeviceWithoutCUDA(t *testing.T) {
	_, err := NewGraph(GraphOptions{Device: CUDA})
	if !errors.Is(err, core.ErrUnimplemented) || !strings.Contains(err.Error(), "-tags cuda") {
		t.Errorf("cuda in a cpu-only build: error = %v, want unimplemented naming the cuda tag", err)
	}
	if _, err := ParseDevice("tpu"); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("ParseDevice(tpu): error = %v, want invalid argument", err)
	}
	for _, s := range []string{"", "cpu"} {
		if d, err := ParseDevice(s); err != nil || d != CPU {
			t.Errorf("ParseDevice(%q) = %q, %v, want cpu", s, d, err)
		}
	}
	if CUDAAvailable() {
		t.Error("CUDAAvailable in a build without the cuda tag")
	}
}

// TestBLASName: the backend and its kernels name the same BLAS, so one
// build tag switches both, except that oneDNN serves the kernels alone and
// the name then says so.
func TestBLASName(t *testing.T) {
	got := BLAS()
	switch kernels.BLAS {
	case "gonum", "openblas":
		if got != kernels.BLAS {
			t.Errorf("BLAS() = %q, kernels.BLAS = %q", got, kernels.BLAS)
		}
	case "onednn":
		if !strings.HasPrefix(got, "onednn (kernels), ") || !strings.HasSuffix(got, " (graphs)") {
			t.Errorf("BLAS() = %q in a oneDNN build", got)
		}
	default:
		t.Errorf("kernels.BLAS = %q", kernels.BLAS)
	}
}
