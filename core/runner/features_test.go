package runner_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ndalab/ndalab/core/runner"
	"github.com/ndalab/ndalab/results"
)

// reasons records why the runner reran cells, from its start events.
type reasons struct {
	mu  sync.Mutex
	why []string
}

func (r *reasons) Report(e runner.Event) {
	if e.Kind == "start" && strings.HasPrefix(e.Msg, "rerunning: ") {
		r.mu.Lock()
		r.why = append(r.why, e.Msg)
		r.mu.Unlock()
	}
}

// rewriteWeights writes the toy encoder's weights a, b into the checkpoint
// at path, keeping its header but for the step.
func rewriteWeights(t *testing.T, path string, a, b float64, step int64) {
	t.Helper()
	h, _, err := runner.ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	h.Step = step
	body := fmt.Appendf(nil, `{"A":%v,"B":%v}`, a, b)
	if err := runner.WriteCheckpoint(path, h, body); err != nil {
		t.Fatal(err)
	}
}

func bodySum(t *testing.T, path string) string {
	t.Helper()
	_, body, err := runner.ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// TestRerunWhenFeaturesChange checks both ways of naming a feature network:
// a finished GAN cell stands while the weights it loaded stand (a resaved
// checkpoint with the same weights included), and runs again once they
// change, with the reason given.
func TestRerunWhenFeaturesChange(t *testing.T) {
	e := newEnv(t)
	why := &reasons{}
	r, err := runner.New(runner.Options{Launcher: builtinLauncher{e.l}, Store: e.store,
		Out: filepath.Join(e.dir, "out"), Progress: why})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	os.WriteFile(filepath.Join(e.dir, "cls.yaml"), []byte(`
name: cls
task: classifier
dataset: {name: toy}
model: {name: toy-encoder}
train: {steps: 10, batch_size: 32}
`), 0o644)
	from := e.load(r, `
name: fromcls
task: gan
dataset: {name: toy}
model: {name: toy-gan}
features: {from: cls.yaml}
train: {steps: 10, batch_size: 32}
eval: {samples: 200}
metrics: [fid]
`)
	clsCkpt := filepath.Join(e.dir, "out", "cls", from.Cells[0].Features.From.ID, "last.ckpt")
	run := func(x []*runner.Cell) runner.Outcome {
		t.Helper()
		out, err := r.Run(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}

	first := run(from.Cells)
	if first.Status != results.StatusFinished {
		t.Fatalf("first run: %s (%v)", first.Status, first.Err)
	}
	stored, _ := e.store.GetRun(ctx, first.RunID)
	var rec runner.Record
	if err := json.Unmarshal(stored.Record, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.FeatureSHA256 != bodySum(t, clsCkpt) || rec.FeatureCheckpoint != clsCkpt {
		t.Fatalf("record names features %s %.12s, want %s %.12s", rec.FeatureCheckpoint,
			rec.FeatureSHA256, clsCkpt, bodySum(t, clsCkpt))
	}

	// The same weights saved again (another step in the header): stands.
	_, body, _ := runner.ReadCheckpoint(clsCkpt)
	var w struct{ A, B float64 }
	json.Unmarshal(body, &w)
	rewriteWeights(t, clsCkpt, w.A, w.B, 99)
	if o := run(from.Cells); o.Status != runner.StatusSkipped {
		t.Fatalf("same weights resaved: %s, want skipped (%v)", o.Status, why.why)
	}

	// Other weights in the classifier's checkpoint: the GAN cell reruns,
	// the classifier (whose own run stands) does not.
	steps := len(e.h.encoderSteps)
	rewriteWeights(t, clsCkpt, w.A+0.5, w.B, 10)
	again := run(from.Cells)
	if again.Status != results.StatusFinished || again.RunID == first.RunID {
		t.Fatalf("after the weights changed: %s run %s, want a new finished run", again.Status,
			again.RunID)
	}
	if len(why.why) != 1 || !strings.Contains(why.why[0], "feature network changed") {
		t.Errorf("rerun reasons %q, want one feature network change", why.why)
	}
	if len(e.h.encoderSteps) != steps {
		t.Errorf("the classifier trained %d steps again", len(e.h.encoderSteps)-steps)
	}

	// features.checkpoint names the file directly.
	own := filepath.Join(e.dir, "features.ckpt")
	b, _ := os.ReadFile(clsCkpt)
	os.WriteFile(own, b, 0o644)
	direct := e.load(r, fmt.Sprintf(`
name: direct
task: gan
dataset: {name: toy}
model: {name: toy-gan}
features: {model: {name: toy-encoder}, checkpoint: %q}
train: {steps: 10, batch_size: 32}
eval: {samples: 200}
metrics: [fid]
`, own))
	if o := run(direct.Cells); o.Status != results.StatusFinished {
		t.Fatalf("direct: %s (%v)", o.Status, o.Err)
	}
	if o := run(direct.Cells); o.Status != runner.StatusSkipped {
		t.Fatalf("direct, unchanged: %s, want skipped", o.Status)
	}
	rewriteWeights(t, own, 3, -1, 10)
	if o := run(direct.Cells); o.Status != results.StatusFinished {
		t.Fatalf("direct, new weights: %s, want finished (rerun)", o.Status)
	}
	if n := len(why.why); n != 2 || !strings.Contains(why.why[1], own) {
		t.Errorf("rerun reasons %q, want a second naming %s", why.why, own)
	}
}
