package inceptionv3

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/inception"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
)

// weightsFile writes random weights of the right names and shapes.
func weightsFile(t *testing.T, seed uint64) string {
	t.Helper()
	data, err := inception.RandomWeights(seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "inception.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Inception-v3 on a few 299×299 images")
	}
	plugintest.Run(t, New(), plugintest.Options{
		Config: core.Config{"weights": weightsFile(t, 1)}, BatchSize: 2,
	})
}

func TestCheckpointOfOtherWeightsIsRefused(t *testing.T) {
	ctx := context.Background()
	a, b := New(), New()
	if err := a.Init(ctx, core.Config{"weights": weightsFile(t, 1)}, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Init(ctx, core.Config{"weights": weightsFile(t, 2)}, 0); err != nil {
		t.Fatal(err)
	}
	ckpt, err := a.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx, ckpt); err != nil {
		t.Fatalf("own checkpoint refused: %v", err)
	}
	if err := b.Load(ctx, ckpt); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("a checkpoint of other weights: want an invalid-argument error, got %v", err)
	}
}

func TestMissingWeightsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere.safetensors")
	err := New().Init(context.Background(), core.Config{"weights": path}, 0)
	if err == nil || !errors.Is(err, core.ErrNotFound) && !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("want a not-found or invalid-argument error, got %v", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name the file: %v", err)
	}
}

func TestEmbedGives2048Features(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Inception-v3 on a 299×299 image")
	}
	ctx := context.Background()
	m := New()
	if err := m.Init(ctx, core.Config{"weights": weightsFile(t, 1)}, 0); err != nil {
		t.Fatal(err)
	}
	in := core.NewBatch(1, 1, 28, 28)
	in.Labels = []int32{7}
	out, err := m.Embed(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Shape != [4]int{1, 2048, 1, 1} || out.Labels[0] != 7 {
		t.Fatalf("features %v labels %v, want [1 2048 1 1] and [7]", out.Shape, out.Labels)
	}
}
