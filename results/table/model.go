package table

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// Agg names how a run's values over evaluation steps become one number.
type Agg string

const (
	AggBest Agg = "best" // best over evaluation steps, in the metric's direction
	AggLast Agg = "last" // the value at the last evaluation step
)

// Spec says what table to build.
type Spec struct {
	Experiment string            // only runs of this experiment; "" for all
	Status     string            // only runs of this status; "" for all
	Rows       string            // parameter whose values become rows (required)
	Cols       string            // parameter whose values become columns; "" for none
	Metrics    []string          // one or more metric names
	Agg        Agg               // AggBest (default) or AggLast
	Higher     map[string]bool   // directions stated by the caller, by metric
	Where      map[string]string // keep only runs whose parameter has this value
	// Cells, when set, keeps only runs of these cell IDs: the cells of one
	// experiment file, not those of its earlier versions run into the same
	// store under the same name.
	Cells []string
}

// Metric is a metric column's name and direction.
type Metric struct {
	Name           string
	HigherIsBetter bool
	Source         string // where the direction came from: stated, recorded, known
}

// Column is one column of values: a value of the column parameter (empty
// when there is none) and a metric.
type Column struct {
	Key    string
	Metric Metric
}

// Cell aggregates one metric over the seeds of one row and column.
type Cell struct {
	Mean, Std float64 // std is the sample standard deviation; 0 for one seed
	N         int     // runs aggregated; 0 for an empty cell
	Best      bool    // best mean of its column, in the metric's direction
}

// Table is a pivoted, aggregated comparison, ready for a renderer.
type Table struct {
	RowParam, ColParam string
	Agg                Agg
	Rows               []string // row parameter values, in order
	Columns            []Column
	Cells              [][]Cell // [row][column]
}

// Input is what Build needs: runs and, per metric, one value per run ID.
type Input struct {
	Runs    []*results.Run
	Values  map[string]map[string]float64 // metric -> run ID -> value
	Metrics []Metric                      // directions, in column order
}

// Load reads the runs and metric values the spec selects from a store and
// builds the table.
func Load(ctx context.Context, s *results.Store, spec Spec) (*Table, error) {
	if spec.Agg == "" {
		spec.Agg = AggBest
	}
	if spec.Agg != AggBest && spec.Agg != AggLast {
		return nil, fmt.Errorf("table: unknown aggregation %q (want best or last): %w",
			spec.Agg, core.ErrInvalidArgument)
	}
	if len(spec.Metrics) == 0 {
		return nil, fmt.Errorf("table: no metric given: %w", core.ErrInvalidArgument)
	}

	in := Input{Values: map[string]map[string]float64{}}
	for _, name := range spec.Metrics {
		info, sums, err := s.SummarizeMetric(ctx, spec.Experiment, name, spec.Agg == AggLast)
		if err != nil {
			return nil, err
		}
		if len(sums) == 0 {
			known, err := s.MetricNames(ctx, spec.Experiment)
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("table: unknown metric %q (known: %s): %w",
				name, metricList(known), core.ErrInvalidArgument)
		}
		h, src, err := direction(name, spec.Higher, info)
		if err != nil {
			return nil, fmt.Errorf("table: %w", err)
		}
		in.Metrics = append(in.Metrics, Metric{Name: name, HigherIsBetter: h, Source: src})

		vals := make(map[string]float64, len(sums))
		for id, sm := range sums {
			switch {
			case spec.Agg == AggLast:
				vals[id] = sm.Last
			case h:
				vals[id] = sm.Max
			default:
				vals[id] = sm.Min
			}
		}
		in.Values[name] = vals
	}

	var err error
	in.Runs, err = s.Runs(ctx, results.RunFilter{Experiment: spec.Experiment, Status: spec.Status})
	if err != nil {
		return nil, err
	}
	return Build(spec, in)
}

func metricList(ms []results.MetricInfo) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	if len(names) == 0 {
		return "none recorded"
	}
	return strings.Join(names, ", ")
}

// Build pivots and aggregates. Only the latest run of each cell ID counts,
// so a retried cell is not counted twice. Runs of one table cell may differ
// only in their seed: any other differing parameter is an error that asks
// to pivot or filter it.
func Build(spec Spec, in Input) (*Table, error) {
	if spec.Rows == "" {
		return nil, fmt.Errorf("table: no row parameter given: %w", core.ErrInvalidArgument)
	}
	runs := results.LatestPerCell(in.Runs)
	if len(spec.Cells) > 0 {
		keep := make(map[string]bool, len(spec.Cells))
		for _, id := range spec.Cells {
			keep[id] = true
		}
		runs = slices.DeleteFunc(runs, func(r *results.Run) bool { return !keep[r.CellID] })
	}
	if err := checkParams(spec, runs); err != nil {
		return nil, err
	}
	runs = slices.DeleteFunc(runs, func(r *results.Run) bool { return !r.MatchParams(spec.Where) })

	// Group the runs by row and column value.
	type key struct{ row, col string }
	groups := map[key][]*results.Run{}
	var rowKeys, colKeys []string
	for _, r := range runs {
		var k key
		k.row, _ = r.ParamText(spec.Rows)
		if spec.Cols != "" {
			k.col, _ = r.ParamText(spec.Cols)
		}
		if _, ok := groups[k]; !ok {
			rowKeys = appendNew(rowKeys, k.row)
			colKeys = appendNew(colKeys, k.col)
		}
		groups[k] = append(groups[k], r)
	}
	if len(rowKeys) == 0 {
		return nil, fmt.Errorf("table: no runs match (experiment %q, status %q, where %v): %w",
			spec.Experiment, spec.Status, spec.Where, core.ErrNotFound)
	}
	sortKeys(rowKeys)
	sortKeys(colKeys)
	for _, rk := range rowKeys {
		for _, ck := range colKeys {
			if g := groups[key{rk, ck}]; len(g) > 1 {
				if err := checkGroup(spec, rk, ck, g); err != nil {
					return nil, err
				}
			}
		}
	}

	t := &Table{RowParam: spec.Rows, ColParam: spec.Cols, Agg: spec.Agg, Rows: rowKeys}
	for _, c := range colKeys {
		for _, m := range in.Metrics {
			t.Columns = append(t.Columns, Column{Key: c, Metric: m})
		}
	}
	t.Cells = make([][]Cell, len(rowKeys))
	for i, rk := range rowKeys {
		t.Cells[i] = make([]Cell, len(t.Columns))
		for j, col := range t.Columns {
			vals := in.Values[col.Metric.Name]
			var xs []float64
			for _, r := range groups[key{rk, col.Key}] {
				if v, ok := vals[r.ID]; ok {
					xs = append(xs, v)
				}
			}
			t.Cells[i][j] = aggregate(xs)
		}
	}
	markBest(t)
	return t, nil
}

// checkParams reports a row, column or filter parameter that no run has.
func checkParams(spec Spec, runs []*results.Run) error {
	known := results.ParamNames(runs)
	check := []string{spec.Rows}
	if spec.Cols != "" {
		check = append(check, spec.Cols)
	}
	for k := range spec.Where {
		check = append(check, k)
	}
	for _, p := range check {
		if !slices.Contains(known, p) {
			return fmt.Errorf("table: unknown parameter %q (known: %s): %w",
				p, strings.Join(known, ", "), core.ErrInvalidArgument)
		}
	}
	return nil
}

// checkGroup reports runs in one table cell that differ in more than the
// seed, since averaging them would mix different settings: first a
// parameter (what varies in an experiment), then any other config key but
// the bookkeeping ones (results.BookkeepingKeys), which tells apart runs of
// one experiment name that ran with other settings (a file edited between
// runs, a merged shard with another feature network).
func checkGroup(spec Spec, row, col string, g []*results.Run) error {
	where := spec.Rows + "=" + row
	if spec.Cols != "" {
		where += ", " + spec.Cols + "=" + col
	}
	for _, r := range g[1:] {
		k, a, b, differ := results.DifferingParam(g[0], r, spec.Rows, spec.Cols)
		if !differ {
			continue
		}
		return fmt.Errorf("table: runs %s and %s in the cell %s differ in %s (%s, %s), "+
			"not only in the seed: pivot it with --rows/--cols or pick one with "+
			"--where %s=%s: %w", g[0].ID, r.ID, where, k, a, b, k, a, core.ErrInvalidArgument)
	}

	for _, r := range g[1:] {
		k, a, b, differ, err := results.DifferingSetting(g[0], r)
		if err != nil {
			return fmt.Errorf("table: %w", err)
		}
		if !differ {
			continue
		}
		return fmt.Errorf("table: runs %s and %s in the cell %s were run with different "+
			"settings: config key %s is %s in one and %s in the other, so they are not seeds "+
			"of one setting; keep such runs in separate experiments or databases (ndalab "+
			"results compare %[1]s %[2]s lists every difference): %[7]w", g[0].ID, r.ID, where,
			k, a, b, core.ErrInvalidArgument)
	}
	return nil
}

func appendNew(keys []string, k string) []string {
	if slices.Contains(keys, k) {
		return keys
	}
	return append(keys, k)
}

// sortKeys sorts numerically when every key is a number, else as text.
func sortKeys(keys []string) {
	nums := make(map[string]float64, len(keys))
	for _, k := range keys {
		f, err := strconv.ParseFloat(k, 64)
		if err != nil {
			sort.Strings(keys)
			return
		}
		nums[k] = f
	}
	sort.Slice(keys, func(i, j int) bool { return nums[keys[i]] < nums[keys[j]] })
}

// aggregate is the mean, sample std and count of xs.
func aggregate(xs []float64) Cell {
	c := Cell{N: len(xs)}
	if c.N == 0 {
		return c
	}
	for _, x := range xs {
		c.Mean += x
	}
	c.Mean /= float64(c.N)
	if c.N > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - c.Mean) * (x - c.Mean)
		}
		c.Std = math.Sqrt(ss / float64(c.N-1))
	}
	return c
}

// markBest marks, in each column, the cells with the best finite mean.
func markBest(t *Table) {
	for j, col := range t.Columns {
		best := math.NaN()
		for i := range t.Rows {
			c := t.Cells[i][j]
			if c.N == 0 || math.IsNaN(c.Mean) {
				continue
			}
			if math.IsNaN(best) || better(c.Mean, best, col.Metric.HigherIsBetter) {
				best = c.Mean
			}
		}
		for i := range t.Rows {
			c := &t.Cells[i][j]
			c.Best = c.N > 0 && c.Mean == best
		}
	}
}

func better(a, b float64, higher bool) bool {
	if higher {
		return a > b
	}
	return a < b
}
