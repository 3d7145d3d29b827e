package experiments

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeDescriptors stand in for plugin descriptors in the loader's tests,
// which check parameter handling, not the plugins themselves.
func fakeDescriptors() map[string]*core.Descriptor {
	ds := []*core.Descriptor{
		{Kind: core.KindDataset, Name: "toy2d", Version: "1.0.0",
			Params: []core.Param{{Name: "n", Type: core.TypeInt, Default: 1000}}},
		{Kind: core.KindModel, Name: "mlp-gan", Version: "1.0.0",
			Capabilities: []string{core.CapTrain, core.CapGenerate, core.CapScore},
			Params: []core.Param{
				{Name: "hidden", Type: core.TypeInt, Default: 128, Doc: "hidden units"},
				{Name: "lr", Type: core.TypeFloat, Default: 2e-4, Doc: "learning rate"},
			}},
		{Kind: core.KindAugmentation, Name: "jigsaw", Version: "1.0.0",
			Roles:  []string{core.RoleNegative},
			Params: []core.Param{{Name: "k", Type: core.TypeInt, Default: 4}}},
		{Kind: core.KindAugmentation, Name: "cutout", Version: "1.0.0",
			Roles:  []string{core.RoleNegative},
			Params: []core.Param{{Name: "size", Type: core.TypeInt, Default: 8}}},
		{Kind: core.KindMetric, Name: "prdc", Version: "1.0.0",
			Params: []core.Param{{Name: "k", Type: core.TypeInt, Default: 5}}},
	}
	out := map[string]*core.Descriptor{}
	for _, d := range ds {
		out[d.ID()] = d
	}
	return out
}

func fakeDescribe(ctx context.Context, kind core.Kind, name string) (*core.Descriptor, error) {
	d, ok := fakeDescriptors()[string(kind)+"/"+name]
	if !ok {
		return nil, fmt.Errorf("%w: no plugin %s/%s", core.ErrNotFound, kind, name)
	}
	return d, nil
}

// write puts content in dir/name and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, path string, opts Options) *Experiment {
	t.Helper()
	if opts.Describe == nil {
		opts.Describe = fakeDescribe
	}
	e, err := Load(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return e
}

func cellIDs(e *Experiment) []string {
	ids := make([]string, len(e.Cells))
	for i, c := range e.Cells {
		ids[i] = c.ID
	}
	return ids
}

// describeCells renders cells as "seed varying..." lines.
func describeCells(e *Experiment) []string {
	out := make([]string, len(e.Cells))
	for i, c := range e.Cells {
		out[i] = fmt.Sprintf("seed=%d %s", c.Seed, FormatVarying(c, e.Varying))
	}
	return out
}

func TestStableIDs(t *testing.T) {
	ref := mustLoad(t, "testdata/ids/a.yaml", Options{})
	if len(ref.Cells) != 4 {
		t.Fatalf("a.yaml: %d cells, want 4", len(ref.Cells))
	}
	for _, f := range []string{"b.yaml", "c.toml", "d.json", "e.yaml"} {
		t.Run(f, func(t *testing.T) {
			got := mustLoad(t, filepath.Join("testdata/ids", f), Options{})
			if !slices.Equal(cellIDs(got), cellIDs(ref)) {
				t.Errorf("ids %v, want %v (a.yaml)", cellIDs(got), cellIDs(ref))
			}
			for i := range got.Cells {
				if string(got.Cells[i].Config) != string(ref.Cells[i].Config) {
					t.Errorf("cell %d config\n%s\nwant\n%s", i, got.Cells[i].Config,
						ref.Cells[i].Config)
				}
			}
		})
	}

	// Every cell differs from every other, and a changed value or seed
	// changes the ID.
	ids := cellIDs(ref)
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("duplicate ids %v", ids)
	}
	changed := mustLoad(t, "testdata/ids/a.yaml", Options{Set: []string{"train.lambda=0.3"}})
	for i, c := range changed.Cells {
		if c.ID == ref.Cells[i].ID {
			t.Errorf("cell %d: id %s unchanged by train.lambda=0.3", i, c.ID)
		}
	}
}

func TestIDsWithoutDescriptors(t *testing.T) {
	// Without descriptors plugin parameters stay as written, yet experiment
	// keys still agree across formats.
	noDesc := func(string) []string {
		e, err := Load(context.Background(), "testdata/ids/c.toml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		return cellIDs(e)
	}
	e, err := Load(context.Background(), "testdata/ids/a.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := noDesc("c.toml"); !slices.Equal(got, cellIDs(e)) {
		t.Errorf("toml ids %v, yaml ids %v", got, cellIDs(e))
	}
}

func TestGrid(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "grid.yaml", `
task: gan
dataset: {name: toy2d}
model: {name: mlp-gan}
train: {steps: 10}
seeds: [7, 8]
matrix:
  train.lambda: [0.1, 0.5]
  augmentation.name: [none, jigsaw, cutout]
`)
	e := mustLoad(t, p, Options{})
	want := []string{
		"seed=7 augmentation=none seed=7 train.lambda=0.1",
		"seed=8 augmentation=none seed=8 train.lambda=0.1",
		"seed=7 augmentation=none seed=7 train.lambda=0.5",
		"seed=8 augmentation=none seed=8 train.lambda=0.5",
		"seed=7 augmentation=jigsaw(k=4) seed=7 train.lambda=0.1",
		"seed=8 augmentation=jigsaw(k=4) seed=8 train.lambda=0.1",
		"seed=7 augmentation=jigsaw(k=4) seed=7 train.lambda=0.5",
		"seed=8 augmentation=jigsaw(k=4) seed=8 train.lambda=0.5",
		"seed=7 augmentation=cutout(size=8) seed=7 train.lambda=0.1",
		"seed=8 augmentation=cutout(size=8) seed=8 train.lambda=0.1",
		"seed=7 augmentation=cutout(size=8) seed=7 train.lambda=0.5",
		"seed=8 augmentation=cutout(size=8) seed=8 train.lambda=0.5",
	}
	if got := describeCells(e); !slices.Equal(got, want) {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, c := range e.Cells {
		if c.Index != i || c.Experiment != "grid" {
			t.Errorf("cell %d: index %d experiment %q", i, c.Index, c.Experiment)
		}
		// Table labels name the plugin; k=4 is the only jigsaw k, so no
		// parameters show.
		if c.Varying["augmentation"] != c.Augmentation.Name {
			t.Errorf("cell %d: label %q, want %q", i, c.Varying["augmentation"], c.Augmentation.Name)
		}
	}
	x := mustLoad(t, p, Options{Set: []string{"matrix.augmentation=[{name: jigsaw, params: {k: 2}}, " +
		"{name: jigsaw, params: {k: 4}}, {name: none}]", "seeds=[1]"}})
	var labels []string
	for _, c := range x.Cells {
		if c.Train.Lambda == 0.1 {
			labels = append(labels, c.Varying["augmentation"].(string))
		}
	}
	if got := strings.Join(labels, " "); got != "jigsaw(k=2) jigsaw(k=4) none" {
		t.Errorf("labels %q", got)
	}
}

func TestIncludeExcludeZip(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "m.yaml", `
task: gan
dataset: {name: toy2d}
model: {name: mlp-gan}
train: {steps: 10}
matrix:
  augmentation: [{name: none}, {name: jigsaw, params: {k: 9}}]
  zip:
    - {train.lambda: [0.1, 0.5], train.d_steps: [1, 2]}
  exclude:
    - {augmentation.name: none, train.lambda: "5e-1"}
    - {augmentation: {params: {k: 9}}, train.d_steps: 1}
  include:
    - {augmentation: {name: cutout, params: {size: 3}}, train.lambda: 0.75}
    - {augmentation.name: none, train.lambda: 0.1}
`)
	e := mustLoad(t, p, Options{})
	want := []string{
		"seed=0 augmentation=none train.d_steps=1 train.lambda=0.1",
		"seed=0 augmentation=jigsaw(k=9) train.d_steps=2 train.lambda=0.5",
		"seed=0 augmentation=cutout(size=3) train.d_steps=1 train.lambda=0.75",
	}
	if got := describeCells(e); !slices.Equal(got, want) {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSeedsInMatrix(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "s.yaml", `
task: gan
dataset: {name: toy2d}
model: {name: mlp-gan}
train: {steps: 10}
matrix: {seeds: [3, 1, 2]}
`)
	e := mustLoad(t, p, Options{})
	var seeds []int64
	for _, c := range e.Cells {
		seeds = append(seeds, c.Seed)
	}
	if !slices.Equal(seeds, []int64{3, 1, 2}) || !slices.Equal(e.Varying, []string{"seed"}) {
		t.Errorf("seeds %v varying %v, want [3 1 2] [seed]", seeds, e.Varying)
	}
}

func TestOverrides(t *testing.T) {
	environ := []string{
		"NDALAB_TRAIN__STEPS=77",
		"NDALAB_MODEL__PARAMS__HIDDEN=32",
		"NDALAB_LOG=debug", // not an experiment key: ignored
		"NDALAB_SEEDS=4,5",
		"OTHER_TRAIN__STEPS=1",
	}
	e := mustLoad(t, "testdata/ids/a.yaml", Options{
		Environ: environ,
		Set: []string{"train.steps=88", "matrix.augmentation.name=[cutout]",
			"augmentation.params.size=2"},
	})
	if len(e.Cells) != 2 {
		t.Fatalf("%d cells, want 2 (seeds 4, 5 x one augmentation)", len(e.Cells))
	}
	c := e.Cells[0]
	if c.Train.Steps != 88 || c.Model.Params.Int("hidden") != 32 || c.Seed != 4 {
		t.Errorf("steps %d hidden %v seed %d, want 88 32 4", c.Train.Steps,
			c.Model.Params["hidden"], c.Seed)
	}
	// --set replaced the matrix axis.
	if c.Augmentation.Name != "cutout" || c.Augmentation.Params.Int("size") != 2 ||
		e.Cells[1].Seed != 5 {
		t.Errorf("augmentation %q, cell 1 seed %d", c.Augmentation.Name, e.Cells[1].Seed)
	}
}

func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := Load(context.Background(), f, Options{Describe: fakeDescribe})
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !errors.Is(err, core.ErrInvalidArgument) && !errors.Is(err, core.ErrNotFound) {
				t.Errorf("error %v wraps neither invalid argument nor not found", err)
			}
			got := strings.ReplaceAll(err.Error(), mustAbs(t, "testdata/errors"), "DIR") + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	cases := map[string]string{
		"=3":             `--set "=3": want key=value`,
		"train.steps":    `--set "train.steps": want key=value`,
		"train.stepz=10": `--set train.stepz=10: unknown key "train.stepz"`,
		"train.steps=-1": `--set train.steps=-1: key "train.steps": -1 is below the minimum 1`,
	}
	for set, want := range cases {
		_, err := Load(context.Background(), "testdata/ids/a.yaml",
			Options{Set: []string{set}, Describe: fakeDescribe})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--set %s: error %v, want it to contain %q", set, err, want)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
