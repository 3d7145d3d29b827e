package results

import (
	"context"
	"database/sql"
	"fmt"
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

// Reduce says how a run's values of a metric over its evaluation steps
// become one value.
type Reduce int

const (
	ReduceLast Reduce = iota // the value at the last evaluation step
	ReduceMin                // the smallest value (best when lower is better)
	ReduceMax                // the largest value (best when higher is better)
)

// reduceQueries are the only SQL texts ReduceMetric runs. For ReduceLast,
// SQLite takes the bare column value from the row that holds max(step).
var reduceQueries = map[Reduce]string{
	ReduceLast: `SELECT r.id, m.value, max(m.step)`,
	ReduceMin:  `SELECT r.id, min(m.value), 0`,
	ReduceMax:  `SELECT r.id, max(m.value), 0`,
}

// ReduceMetric returns, for every run of an experiment (every run when
// experiment is empty) that recorded metric name, its values reduced to
// one, keyed by run ID. NaN values count as missing for min and max.
func (s *Store) ReduceMetric(ctx context.Context, experiment, name string,
	how Reduce) (map[string]float64, error) {
	sel, ok := reduceQueries[how]
	if !ok {
		return nil, fmt.Errorf("reduce metric %s: unknown reduction %d", name, how)
	}
	rows, err := s.r.QueryContext(ctx, sel+` FROM metrics m JOIN runs r ON r.rid = m.rid
		WHERE m.name = ?1 AND (?2 = '' OR r.experiment = ?2) GROUP BY m.rid`, name, experiment)
	if err != nil {
		return nil, s.fileErr("reduce metric "+name, err)
	}
	defer rows.Close()

	out := map[string]float64{}
	for rows.Next() {
		var (
			id   string
			v    sql.NullFloat64
			step int64
		)
		if err := rows.Scan(&id, &v, &step); err != nil {
			return nil, s.fileErr("reduce metric "+name, err)
		}
		out[id] = nanNull(v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("reduce metric "+name, err)
	}
	return out, nil
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
