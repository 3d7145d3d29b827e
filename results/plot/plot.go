// Package plot draws learning curves from a results store: a metric over
// steps, one curve per value of a parameter, each the mean over seeds with
// a band of ± one standard deviation.
package plot

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// Sources of curve values.
const (
	SourceAuto    = ""        // metrics if the name is a metric, else series
	SourceMetrics = "metrics" // evaluation values
	SourceSeries  = "series"  // training series
)

// Spec says what to plot.
type Spec struct {
	Experiment string            // only this experiment's runs; "" for all
	Status     string            // only runs of this status; "" for all
	Metric     string            // metric or series name
	By         string            // parameter whose values become curves; "" for one curve
	Where      map[string]string // keep only runs whose parameter has this value
	Source     string            // SourceAuto, SourceMetrics or SourceSeries
}

// Curve is one group of runs' mean and std at each step.
type Curve struct {
	Label     string
	Steps     []float64
	Mean, Std []float64 // std is 0 where one run has the step
	Runs      int
}

// Curves reads the runs the spec selects and averages their values per
// step within each group. Only the latest run of each cell counts.
func Curves(ctx context.Context, s *results.Store, spec Spec) ([]Curve, error) {
	source, err := resolveSource(ctx, s, spec)
	if err != nil {
		return nil, err
	}
	runs, err := s.Runs(ctx, results.RunFilter{Experiment: spec.Experiment, Status: spec.Status})
	if err != nil {
		return nil, err
	}
	runs = results.LatestPerCell(runs)
	known := results.ParamNames(runs)
	for _, p := range append([]string{spec.By}, mapKeys(spec.Where)...) {
		if p != "" && !slices.Contains(known, p) {
			return nil, fmt.Errorf("plot: unknown parameter %q (known: %s): %w",
				p, strings.Join(known, ", "), core.ErrInvalidArgument)
		}
	}

	// Gather step -> values per group. A group may mix seeds only.
	groups := map[string]map[float64][]float64{}
	counts := map[string]int{}
	first := map[string]*results.Run{}
	for _, r := range runs {
		if !r.MatchParams(spec.Where) {
			continue
		}
		pts, err := points(ctx, s, source, r.ID, spec.Metric)
		if err != nil {
			return nil, err
		}
		if len(pts) == 0 {
			continue
		}
		label := spec.Metric
		if spec.By != "" {
			v, _ := r.ParamText(spec.By)
			label = spec.By + "=" + v
		}
		if f, ok := first[label]; ok {
			if k, a, b, differ := results.DifferingParam(f, r, spec.By); differ {
				return nil, fmt.Errorf("plot: runs %s and %s of curve %s differ in %s (%s, %s), "+
					"not only in the seed: plot by it with --by or pick one with --where %s=%s: %w",
					f.ID, r.ID, label, k, a, b, k, a, core.ErrInvalidArgument)
			}
		} else {
			first[label] = r
			groups[label] = map[float64][]float64{}
		}
		counts[label]++
		for _, p := range pts {
			groups[label][float64(p.Step)] = append(groups[label][float64(p.Step)], p.Value)
		}
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("plot: no selected run recorded %s: %w",
			spec.Metric, core.ErrNotFound)
	}

	var curves []Curve
	for label, byStep := range groups {
		c := Curve{Label: label, Runs: counts[label]}
		c.Steps = mapKeys(byStep)
		for _, st := range c.Steps {
			m, sd := meanStd(byStep[st])
			c.Mean, c.Std = append(c.Mean, m), append(c.Std, sd)
		}
		curves = append(curves, c)
	}
	sortCurves(curves)
	return curves, nil
}

// resolveSource picks metrics or series for the name, and reports an
// unknown name with the known ones.
func resolveSource(ctx context.Context, s *results.Store, spec Spec) (string, error) {
	metrics, err := s.MetricNames(ctx, spec.Experiment)
	if err != nil {
		return "", err
	}
	series, err := s.SeriesNames(ctx, spec.Experiment)
	if err != nil {
		return "", err
	}
	isMetric := slices.ContainsFunc(metrics, func(m results.MetricInfo) bool {
		return m.Name == spec.Metric
	})
	isSeries := slices.Contains(series, spec.Metric)
	switch {
	case spec.Source == SourceMetrics && isMetric, spec.Source == SourceAuto && isMetric:
		return SourceMetrics, nil
	case spec.Source == SourceSeries && isSeries, spec.Source == SourceAuto && isSeries:
		return SourceSeries, nil
	case spec.Source != SourceAuto && spec.Source != SourceMetrics && spec.Source != SourceSeries:
		return "", fmt.Errorf("plot: unknown source %q (want metrics or series): %w",
			spec.Source, core.ErrInvalidArgument)
	}
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	return "", fmt.Errorf("plot: unknown metric %q (metrics: %s; series: %s): %w", spec.Metric,
		orNone(names), orNone(series), core.ErrInvalidArgument)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func points(ctx context.Context, s *results.Store, source, runID, name string) (
	[]results.Point, error) {
	if source == SourceSeries {
		return s.Series(ctx, runID, name)
	}
	ms, err := s.Metrics(ctx, runID)
	if err != nil {
		return nil, err
	}
	var pts []results.Point
	for _, m := range ms {
		if m.Name == name {
			pts = append(pts, results.Point{Name: name, Step: m.Step, Value: m.Value})
		}
	}
	return pts, nil
}

// meanStd is the mean and sample standard deviation, skipping NaN (a
// diverged run's last values); NaN, 0 when nothing is left.
func meanStd(xs []float64) (float64, float64) {
	var sum float64
	n := 0
	for _, x := range xs {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	mean := sum / float64(n)
	if n == 1 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(n-1))
}

func mapKeys[K interface{ ~string | ~float64 }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sortCurves orders curves by the numeric value after "=" when all have
// one, else by label.
func sortCurves(cs []Curve) {
	num := func(l string) (float64, bool) {
		f, err := strconv.ParseFloat(l[strings.IndexByte(l, '=')+1:], 64)
		return f, err == nil
	}
	allNum := true
	for _, c := range cs {
		if _, ok := num(c.Label); !ok {
			allNum = false
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if allNum {
			a, _ := num(cs[i].Label)
			b, _ := num(cs[j].Label)
			return a < b
		}
		return cs[i].Label < cs[j].Label
	})
}

// Image size of Save.
const (
	width  = 16 * vg.Centimeter
	height = 10 * vg.Centimeter
)

// Draw makes a plot of curves: a line for each mean and a translucent band
// for mean ± std.
func Draw(curves []Curve, title, metric string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = metric
	p.Legend.Top = true

	for i, c := range curves {
		col := plotutil.Color(i)
		var band, line plotter.XYs
		for k, st := range c.Steps {
			if math.IsNaN(c.Mean[k]) {
				continue
			}
			line = append(line, plotter.XY{X: st, Y: c.Mean[k]})
			band = append(band, plotter.XY{X: st, Y: c.Mean[k] + c.Std[k]})
		}
		for k := len(c.Steps) - 1; k >= 0; k-- {
			if !math.IsNaN(c.Mean[k]) {
				band = append(band, plotter.XY{X: c.Steps[k], Y: c.Mean[k] - c.Std[k]})
			}
		}
		if len(line) == 0 {
			continue
		}

		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", c.Label, err)
		}
		r, g, b, _ := col.RGBA()
		poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
		poly.LineStyle.Width = 0
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", c.Label, err)
		}
		l.Color = col
		l.Width = vg.Points(1.5)
		p.Add(poly, l)
		p.Legend.Add(fmt.Sprintf("%s (n=%d)", c.Label, c.Runs), l)
	}
	return p, nil
}

// Save writes the plot to path; the extension picks the format (png, svg,
// pdf, ...).
func Save(p *plot.Plot, path string) error {
	if err := p.Save(width, height, path); err != nil {
		return fmt.Errorf("save plot %s: %w", path, err)
	}
	return nil
}
