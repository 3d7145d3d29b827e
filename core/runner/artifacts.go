package runner

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// WriteSamples draws a batch as a PNG: images (C of 1 or 3, values in
// [-1, 1]) as a square-ish grid with a 1-pixel gap, 2-D points as a scatter
// plot. The file is written atomically.
func WriteSamples(path string, b *core.Batch) error {
	if b.SampleSize() == 2 {
		return writeScatter(path, b)
	}
	c, h, w := b.Shape[1], b.Shape[2], b.Shape[3]
	if c != 1 && c != 3 {
		return fmt.Errorf("%w: sample grid: %d channels (want 1 or 3)", core.ErrInvalidArgument, c)
	}
	n := b.N()
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / max(cols, 1)
	img := image.NewRGBA(image.Rect(0, 0, cols*(w+1)+1, rows*(h+1)+1))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for i := range n {
		x0, y0 := 1+(i%cols)*(w+1), 1+(i/cols)*(h+1)
		s := b.Sample(i)
		for y := range h {
			for x := range w {
				px := func(ch int) uint8 { return toByte(s[ch*h*w+y*w+x]) }
				var col color.RGBA
				if c == 1 {
					v := px(0)
					col = color.RGBA{v, v, v, 255}
				} else {
					col = color.RGBA{px(0), px(1), px(2), 255}
				}
				img.SetRGBA(x0+x, y0+y, col)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("sample grid %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// toByte maps [-1, 1] to [0, 255], clamping.
func toByte(v float32) uint8 {
	f := (float64(v) + 1) * 127.5
	return uint8(math.Round(math.Max(0, math.Min(255, f))))
}

func writeScatter(path string, b *core.Batch) error {
	p := plot.New()
	pts := make(plotter.XYs, b.N())
	for i := range pts {
		s := b.Sample(i)
		pts[i].X, pts[i].Y = float64(s[0]), float64(s[1])
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("scatter %s: %w", path, err)
	}
	sc.GlyphStyle.Radius = vg.Points(1.5)
	p.Add(sc)
	return savePlot(p, path)
}

// savePlot renders p to a PNG next to path and renames it into place.
func savePlot(p *plot.Plot, path string) error {
	wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// writeCurves plots the run's loss series and metric values, as the store
// holds them (so a resumed run's curves cover every attempt's steps).
func (u *run) writeCurves(ctx context.Context) error {
	lossNames := sortedNames(u.losses)
	if err := u.curve(ctx, "losses.png", "loss", lossNames, func(name string) (plotter.XYs, error) {
		pts, err := u.r.opt.Store.Series(ctx, u.id, name)
		return xys(pts), err
	}); err != nil {
		return err
	}
	ms, err := u.r.opt.Store.Metrics(ctx, u.id)
	if err != nil || len(ms) == 0 {
		return err
	}
	byName := map[string][]results.Point{}
	for _, m := range ms {
		byName[m.Name] = append(byName[m.Name], results.Point{Name: m.Name, Step: m.Step,
			Value: m.Value})
	}
	return u.curve(ctx, "metrics.png", "metric", sortedNames(byName),
		func(name string) (plotter.XYs, error) {
			return xys(byName[name]), nil
		})
}

func (u *run) curve(ctx context.Context, file, ylabel string, names []string,
	get func(string) (plotter.XYs, error)) error {
	if len(names) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = u.c.Experiment + " " + u.c.ID
	p.X.Label.Text, p.Y.Label.Text = "step", ylabel
	var lines []any
	for _, n := range names {
		pts, err := get(n)
		if err != nil {
			return err
		}
		if len(pts) > 0 {
			lines = append(lines, n, pts)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return fmt.Errorf("plot %s: %w", file, err)
	}
	path := filepath.Join(u.dir, file)
	if err := savePlot(p, path); err != nil {
		return err
	}
	return u.r.opt.Store.AddArtifact(ctx, u.id, "curve-"+strings.TrimSuffix(file, ".png"), path)
}

// xys keeps the finite points, in step order.
func xys(pts []results.Point) plotter.XYs {
	slices.SortFunc(pts, func(a, b results.Point) int { return int(a.Step - b.Step) })
	out := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			out = append(out, plotter.XY{X: float64(p.Step), Y: p.Value})
		}
	}
	return out
}

// writeFileAtomic writes data to a temp file beside path, syncs it and
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
