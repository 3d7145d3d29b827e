package plugintest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

// flip is a well-behaved negative augmentation: it mirrors each image.
type flip struct{}

func (flip) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindAugmentation, Name: "flip-test", Version: "1.0.0",
		Roles: []string{core.RoleNegative}}, nil
}

func (flip) Apply(_ context.Context, _ core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	out := in.Clone()
	w := in.Shape[3]
	for row := 0; row < len(out.Data)/w; row++ {
		r := out.Data[row*w : (row+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	return out, nil
}

// sloppy breaks three rules: it writes into its input, drops labels, and
// draws from unkeyed state, so two identical calls differ.
type sloppy struct{ calls int }

func (*sloppy) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindAugmentation, Name: "sloppy", Version: "1.0.0",
		Roles: []string{core.RoleNegative}}, nil
}

func (s *sloppy) Apply(_ context.Context, _ core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	s.calls++
	in.Data[0] = float32(s.calls%2) - 0.5
	out := in.Clone()
	out.Labels = nil
	return out, nil
}

func TestKitPassesAGoodPlugin(t *testing.T) {
	plugintest.Run(t, flip{}, plugintest.Options{})
}

func TestKitCatchesABadPlugin(t *testing.T) {
	report := plugintest.Check(context.Background(), &sloppy{}, plugintest.Options{})
	failed := map[string]bool{}
	for _, r := range report.Failed() {
		failed[r.Name] = true
	}
	for _, want := range []string{
		"negative: output keeps shape, labels and range",
		"an unknown parameter is refused",
	} {
		if !failed[want] {
			t.Errorf("check %q did not fail; failures: %v", want, report.Failed())
		}
	}
}

func TestKitRefusesUnknownParametersOverGRPC(t *testing.T) {
	// In-process the component itself must refuse; over the protocol the
	// server resolves configs, so even a lax component is protected.
	report := plugintest.Check(
		context.Background(),
		plugintest.Connect(t, &sloppy{}),
		plugintest.Options{},
	)
	for _, r := range report {
		if r.Name == "an unknown parameter is refused" && r.Err != nil {
			t.Errorf("over gRPC the unknown key got through: %v", r.Err)
		}
		if strings.HasPrefix(r.Name, "negative: output") && r.Err == nil {
			t.Error("dropped labels went unnoticed over gRPC")
		}
	}
}
