package nn

import (
	"errors"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
)

func resolveCompute(t *testing.T, cfg core.Config) (Compute, error) {
	t.Helper()
	desc := &core.Descriptor{Kind: core.KindModel, Name: "m", Version: "0", Params: ComputeParams(3)}
	resolved, err := desc.Resolve(cfg)
	if err != nil {
		return Compute{}, err
	}
	return ComputeOf(resolved)
}

func TestComputeDefaults(t *testing.T) {
	c, err := resolveCompute(t, core.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != backend.CPU || c.Workers != 3 {
		t.Fatalf("defaults = %+v, want cpu and 3 workers", c)
	}
}

// TestComputeRefusesCUDA: the descriptor refuses cuda when a config is
// resolved (before any training), naming the key and what is allowed; a
// config that skips resolution still gets a clear error from ComputeOf.
func TestComputeRefusesCUDA(t *testing.T) {
	_, err := resolveCompute(t, core.Config{"device": "cuda"})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("device cuda: err = %v, want ErrInvalidArgument", err)
	}
	for _, want := range []string{"cuda", "device", "cpu"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}

	_, err = ComputeOf(core.Config{"device": "cuda", "workers": int64(1)})
	if !errors.Is(err, core.ErrUnimplemented) {
		t.Fatalf("unresolved device cuda: err = %v, want ErrUnimplemented", err)
	}
	for _, want := range []string{`"cuda"`, "device", `"cpu"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestComputeRefusesUnknownDevice(t *testing.T) {
	_, err := resolveCompute(t, core.Config{"device": "tpu"})
	if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), "device") {
		t.Fatalf("device tpu: err = %v, want an invalid-argument error naming the key", err)
	}
}
