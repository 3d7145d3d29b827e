package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ndalab/ndalab/core"
)

// Artifact is a file a run produced.
type Artifact struct {
	Kind    string // e.g. "samples", "curve", "checkpoint-last"
	Path    string // as the run gave it
	SHA256  string // hex, of the file when it was recorded
	Size    int64  // bytes
	Created time.Time
}

// Metric is one evaluation value of a run.
type Metric struct {
	Name  string
	Step  int64
	Value float64 // NaN when the metric was not finite
	// HigherIsBetter is the direction the metric plugin reported, nil if
	// it reported none.
	HigherIsBetter *bool
}

// RunFilter selects runs; empty fields match everything.
type RunFilter struct {
	Experiment string
	Status     string
}

const runColumns = `r.id, r.experiment, r.cell_id, r.params, r.config, r.seed, r.status,
	r.error, r.step, r.started, r.ended, r.record, r.lease_owner, r.lease_until, r.heartbeat`

// Runs returns the runs the filter selects, oldest first.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]*Run, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs r
		WHERE (?1 = '' OR r.experiment = ?1) AND (?2 = '' OR r.status = ?2)
		ORDER BY r.started, r.id`, f.Experiment, f.Status)
	if err != nil {
		return nil, s.fileErr("list runs", err)
	}
	defer rows.Close()

	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.fileErr("list runs", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("list runs", err)
	}
	return out, nil
}

// GetRun returns the run with the given ID; a missing run is ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs r WHERE r.id = ?`, id)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("results store %s: no run %q: %w", s.path, id, core.ErrNotFound)
	}
	if err != nil {
		return nil, s.fileErr("get run "+id, err)
	}
	return r, nil
}

// LatestRun returns the most recently started run of a cell, or nil, nil
// when the cell has none.
func (s *Store) LatestRun(ctx context.Context, experiment, cellID string) (*Run, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs r
		WHERE r.experiment = ? AND r.cell_id = ? ORDER BY r.started DESC, r.rid DESC LIMIT 1`,
		experiment, cellID)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fileErr("latest run of cell "+cellID, err)
	}
	return r, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (*Run, error) {
	var (
		r                      Run
		params, config, record string
		started                int64
		ended                  sql.NullInt64
		leaseOwner             sql.NullString
		leaseUntil, heartbeat  sql.NullInt64
	)
	err := sc.Scan(&r.ID, &r.Experiment, &r.CellID, &params, &config, &r.Seed, &r.Status,
		&r.Error, &r.Step, &started, &ended, &record, &leaseOwner, &leaseUntil, &heartbeat)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return nil, fmt.Errorf("run %s: params: %v: %w", r.ID, err, core.ErrInternal)
	}
	r.Config = json.RawMessage(config)
	r.Record = json.RawMessage(record)
	r.Started = time.Unix(0, started)
	if ended.Valid {
		r.Ended = time.Unix(0, ended.Int64)
	}
	if l := leaseFrom(leaseOwner, leaseUntil, heartbeat); l.Owner != "" {
		r.Lease = &l
	}
	return &r, nil
}

// Metrics returns every evaluation value of a run, by name then step.
func (s *Store) Metrics(ctx context.Context, runID string) ([]Metric, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.name, m.step, m.value, m.higher_is_better
		FROM metrics m JOIN runs r ON r.rid = m.rid WHERE r.id = ? ORDER BY m.name, m.step`,
		runID)
	if err != nil {
		return nil, s.fileErr("metrics of run "+runID, err)
	}
	defer rows.Close()

	var out []Metric
	for rows.Next() {
		var (
			m   Metric
			v   sql.NullFloat64
			dir sql.NullBool
		)
		if err := rows.Scan(&m.Name, &m.Step, &v, &dir); err != nil {
			return nil, s.fileErr("metrics of run "+runID, err)
		}
		m.Value = nanNull(v)
		if dir.Valid {
			m.HigherIsBetter = &dir.Bool
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("metrics of run "+runID, err)
	}
	return out, nil
}

// Series returns a run's training-series points, by name then step. An
// empty name returns every series.
func (s *Store) Series(ctx context.Context, runID, name string) ([]Point, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.name, p.step, p.value
		FROM series p JOIN runs r ON r.rid = p.rid
		WHERE r.id = ?1 AND (?2 = '' OR p.name = ?2) ORDER BY p.name, p.step`, runID, name)
	if err != nil {
		return nil, s.fileErr("series of run "+runID, err)
	}
	defer rows.Close()
	return scanPoints(rows, func(err error) error { return s.fileErr("series of run "+runID, err) })
}

func scanPoints(rows *sql.Rows, wrap func(error) error) ([]Point, error) {
	var out []Point
	for rows.Next() {
		var (
			p Point
			v sql.NullFloat64
		)
		if err := rows.Scan(&p.Name, &p.Step, &v); err != nil {
			return nil, wrap(err)
		}
		p.Value = nanNull(v)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	return out, nil
}

// Artifacts returns the files a run recorded, by kind then path.
func (s *Store) Artifacts(ctx context.Context, runID string) ([]Artifact, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.kind, a.path, a.sha256, a.size, a.created
		FROM artifacts a JOIN runs r ON r.rid = a.rid WHERE r.id = ? ORDER BY a.kind, a.path`,
		runID)
	if err != nil {
		return nil, s.fileErr("artifacts of run "+runID, err)
	}
	defer rows.Close()

	var out []Artifact
	for rows.Next() {
		var (
			a       Artifact
			created int64
		)
		if err := rows.Scan(&a.Kind, &a.Path, &a.SHA256, &a.Size, &created); err != nil {
			return nil, s.fileErr("artifacts of run "+runID, err)
		}
		a.Created = time.Unix(0, created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("artifacts of run "+runID, err)
	}
	return out, nil
}

func nanNull(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}
