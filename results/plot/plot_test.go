package plot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// plotPNG, when set, is where TestDraw leaves its image for a person to
// look at.
var plotPNG = os.Getenv("NDALAB_PLOT_PNG")

func fixture(t *testing.T) *results.Store {
	t.Helper()
	ctx := context.Background()
	s, err := results.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	// loss = scale/(1+step/10) + seed offset, so the mean over seeds 1..3
	// is scale/(1+step/10) + 0.2 and the std is 0.1.
	scale := map[string]float64{"none": 2, "jigsaw": 1.5, "cutout": 1.8}
	for _, aug := range []string{"none", "jigsaw", "cutout"} {
		for seed := int64(1); seed <= 3; seed++ {
			id := fmt.Sprintf("%s-%d", aug, seed)
			r := &results.Run{ID: id, Experiment: "e", CellID: id, Seed: seed,
				Params: map[string]any{"aug": aug}}
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			var pts []results.Point
			for step := int64(0); step < 100; step++ {
				v := scale[aug]/(1+float64(step)/10) + 0.1*float64(seed)
				pts = append(pts, results.Point{Name: "loss_d", Step: step, Value: v})
				if step%20 == 0 {
					m := map[string]float64{"fid": 100*scale[aug]/(1+float64(step)/20) + float64(seed)}
					if err := s.AddMetrics(ctx, id, step, m); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.AddSeries(ctx, id, pts); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func TestCurves(t *testing.T) {
	s := fixture(t)
	curves, err := Curves(context.Background(), s, Spec{Metric: "loss_d", By: "aug"})
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 3 || curves[1].Label != "aug=jigsaw" || curves[1].Runs != 3 {
		t.Fatalf("curves: %d, second %q with %d runs", len(curves), curves[1].Label, curves[1].Runs)
	}
	c := curves[1]
	for k, st := range c.Steps {
		want := 1.5/(1+st/10) + 0.2
		if math.Abs(c.Mean[k]-want) > 1e-12 || math.Abs(c.Std[k]-0.1) > 1e-12 {
			t.Fatalf("step %v: mean %v std %v; want %v, 0.1", st, c.Mean[k], c.Std[k], want)
		}
	}

	fid, err := Curves(context.Background(), s, Spec{Metric: "fid", By: "aug",
		Where: map[string]string{"aug": "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fid) != 1 || len(fid[0].Steps) != 5 || fid[0].Mean[0] != 202 {
		t.Fatalf("fid curves: %+v", fid)
	}

	for _, spec := range []Spec{{Metric: "loss", By: "aug"}, {Metric: "fid", By: "augment"}} {
		_, err := Curves(context.Background(), s, spec)
		if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), "known") &&
			!strings.Contains(err.Error(), "series: loss_d") {
			t.Errorf("%+v: error %v", spec, err)
		}
	}
}

func TestDraw(t *testing.T) {
	s := fixture(t)
	curves, err := Curves(context.Background(), s, Spec{Metric: "loss_d", By: "aug"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Draw(curves, "loss_d by aug", "loss_d")
	if err != nil {
		t.Fatal(err)
	}
	path := plotPNG
	if path == "" {
		path = filepath.Join(t.TempDir(), "curves.png")
	}
	if err := Save(p, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n")) || len(b) < 5000 {
		t.Fatalf("%s: not a PNG with a picture (%d bytes)", path, len(b))
	}
}
