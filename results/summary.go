package results

import (
	"context"
	"database/sql"
	"math"
)

// MetricInfo describes one metric name found in a store.
type MetricInfo struct {
	Name string
	// HigherIsBetter is the direction metric plugins recorded, nil if none
	// did. Conflicting records leave it nil and set Conflict.
	HigherIsBetter *bool
	Conflict       bool
}

// MetricNames lists the metric names of an experiment's runs (all runs when
// experiment is empty), sorted, with their recorded directions.
func (s *Store) MetricNames(ctx context.Context, experiment string) ([]MetricInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.name, min(m.higher_is_better),
		max(m.higher_is_better) FROM metrics m JOIN runs r ON r.rid = m.rid
		WHERE ?1 = '' OR r.experiment = ?1 GROUP BY m.name ORDER BY m.name`, experiment)
	if err != nil {
		return nil, s.fileErr("list metric names", err)
	}
	defer rows.Close()

	var out []MetricInfo
	for rows.Next() {
		var (
			m      MetricInfo
			lo, hi sql.NullBool
		)
		if err := rows.Scan(&m.Name, &lo, &hi); err != nil {
			return nil, s.fileErr("list metric names", err)
		}
		switch {
		case lo.Valid && lo.Bool == hi.Bool:
			m.HigherIsBetter = &lo.Bool
		case lo.Valid:
			m.Conflict = true
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("list metric names", err)
	}
	return out, nil
}

// Summary is one run's values of one metric over its evaluation steps.
// NaN values count as missing; a run with only NaN values has NaN here.
type Summary struct {
	Min, Max float64
	Last     float64 // the value at the last step; NaN unless asked for
}

// SummarizeMetric returns, for every run of an experiment (every run when
// experiment is empty) that recorded metric name, the smallest and largest
// value and, if last is set, the value at the last step, keyed by run ID.
// It also returns the direction recorded for the metric. A name no run
// recorded gives an empty map.
func (s *Store) SummarizeMetric(ctx context.Context, experiment, name string,
	last bool) (MetricInfo, map[string]Summary, error) {
	info := MetricInfo{Name: name}
	op := "summarize metric " + name
	rows, err := s.r.QueryContext(ctx, `SELECT r.id, min(m.value), max(m.value),
		min(m.higher_is_better), max(m.higher_is_better)
		FROM metrics m JOIN runs r ON r.rid = m.rid
		WHERE m.name = ?1 AND (?2 = '' OR r.experiment = ?2) GROUP BY m.rid`, name, experiment)
	if err != nil {
		return info, nil, s.fileErr(op, err)
	}
	defer rows.Close()

	out := map[string]Summary{}
	var lo, hi sql.NullBool
	for rows.Next() {
		var (
			id       string
			min, max sql.NullFloat64
			l, h     sql.NullBool
		)
		if err := rows.Scan(&id, &min, &max, &l, &h); err != nil {
			return info, nil, s.fileErr(op, err)
		}
		out[id] = Summary{Min: nanNull(min), Max: nanNull(max), Last: math.NaN()}
		lo, hi = mergeDirection(lo, l, true), mergeDirection(hi, h, false)
	}
	if err := rows.Err(); err != nil {
		return info, nil, s.fileErr(op, err)
	}
	switch {
	case lo.Valid && lo.Bool == hi.Bool:
		info.HigherIsBetter = &lo.Bool
	case lo.Valid:
		info.Conflict = true
	}
	if !last || len(out) == 0 {
		return info, out, nil
	}

	// SQLite takes the bare column m.value from the row that holds max(step).
	rows2, err := s.r.QueryContext(ctx, `SELECT r.id, m.value, max(m.step)
		FROM metrics m JOIN runs r ON r.rid = m.rid
		WHERE m.name = ?1 AND (?2 = '' OR r.experiment = ?2) GROUP BY m.rid`, name, experiment)
	if err != nil {
		return info, nil, s.fileErr(op, err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var (
			id   string
			v    sql.NullFloat64
			step int64
		)
		if err := rows2.Scan(&id, &v, &step); err != nil {
			return info, nil, s.fileErr(op, err)
		}
		sm := out[id]
		sm.Last = nanNull(v)
		out[id] = sm
	}
	if err := rows2.Err(); err != nil {
		return info, nil, s.fileErr(op, err)
	}
	return info, out, nil
}

// mergeDirection folds one run's recorded direction into the lowest
// (low) or highest seen so far; NULL (unknown) never wins.
func mergeDirection(acc, v sql.NullBool, low bool) sql.NullBool {
	switch {
	case !v.Valid:
		return acc
	case !acc.Valid, low && !v.Bool, !low && v.Bool:
		return v
	}
	return acc
}

// SeriesNames lists the training-series names of an experiment's runs (all
// runs when experiment is empty), sorted.
func (s *Store) SeriesNames(ctx context.Context, experiment string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT p.name FROM series p
		JOIN runs r ON r.rid = p.rid WHERE ?1 = '' OR r.experiment = ?1 ORDER BY p.name`,
		experiment)
	if err != nil {
		return nil, s.fileErr("list series names", err)
	}
	defer rows.Close()

	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, s.fileErr("list series names", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("list series names", err)
	}
	return out, nil
}
