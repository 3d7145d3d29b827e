package results

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
)

// ErrRunExists is what CreateRun returns (wrapped, with
// core.ErrFailedPrecondition) for a run ID that exists already.
var ErrRunExists = errors.New("run exists already")

// CreateRun records a new run and its experiment. Started defaults to now,
// Status to running; Params, Config and Record must be valid JSON if set.
// A run ID that exists already is an error wrapping ErrRunExists.
//
// A run created with a Lease (Owner and Until set; the run must be running)
// is created only if no other owner holds a live lease on a run of the same
// cell, else CreateRun returns a *LeaseError naming the holder: taking a
// cell is then one transaction.
func (s *Store) CreateRun(ctx context.Context, r *Run) error {
	if r.ID == "" || r.Experiment == "" || r.CellID == "" {
		return fmt.Errorf("create run %q: id, experiment and cell id are required: %w",
			r.ID, core.ErrInvalidArgument)
	}
	if r.Status == "" {
		r.Status = StatusRunning
	}
	if !slices.Contains(Statuses, r.Status) {
		return fmt.Errorf("create run %s: unknown status %q (want one of %s): %w",
			r.ID, r.Status, strings.Join(Statuses, ", "), core.ErrInvalidArgument)
	}
	if r.Started.IsZero() {
		r.Started = time.Now()
	}
	if l := r.Lease; l != nil && (l.Owner == "" || l.Until.IsZero() || r.Status != StatusRunning) {
		return fmt.Errorf("create run %s: a lease needs an owner, an end and a running run "+
			"(got %q until %v, status %s): %w", r.ID, l.Owner, l.Until, r.Status,
			core.ErrInvalidArgument)
	}
	row, err := encodeRun(r)
	if err != nil {
		return err
	}

	return s.write(ctx, "create run "+r.ID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			"INSERT INTO experiments(name, created) VALUES (?, ?) ON CONFLICT DO NOTHING",
			r.Experiment, r.Started.UnixNano())
		if err != nil {
			return err
		}
		var exists bool
		err = tx.QueryRowContext(ctx, "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?)", r.ID).
			Scan(&exists)
		if err != nil {
			return err
		}
		if r.Lease != nil {
			err := checkCellFree(ctx, tx, r.ID, r.Experiment, r.CellID, r.Lease.Owner, time.Now())
			if err != nil {
				return err
			}
		}
		if exists {
			return fmt.Errorf("run %q: %w: %w", r.ID, ErrRunExists, core.ErrFailedPrecondition)
		}
		return insertRun(ctx, tx, row)
	})
}

// runRow is a Run in its stored form.
type runRow struct {
	id, experiment, cellID, params, config string
	seed                                   int64
	status, errMsg                         string
	step, started                          int64
	ended                                  sql.NullInt64
	record                                 string
	leaseOwner                             sql.NullString
	leaseUntil, heartbeat                  sql.NullInt64
}

func encodeRun(r *Run) (runRow, error) {
	params := "{}"
	if len(r.Params) > 0 {
		b, err := json.Marshal(r.Params)
		if err != nil {
			return runRow{}, fmt.Errorf("create run %s: encode params: %v: %w",
				r.ID, err, core.ErrInvalidArgument)
		}
		params = string(b)
	}
	config, err := rawJSON(r.Config, "config", r.ID)
	if err != nil {
		return runRow{}, err
	}
	record, err := rawJSON(r.Record, "record", r.ID)
	if err != nil {
		return runRow{}, err
	}
	row := runRow{
		id: r.ID, experiment: r.Experiment, cellID: r.CellID, params: params,
		config: config, seed: r.Seed, status: r.Status, errMsg: r.Error, step: r.Step,
		started: r.Started.UnixNano(), record: record,
	}
	if !r.Ended.IsZero() {
		row.ended = sql.NullInt64{Int64: r.Ended.UnixNano(), Valid: true}
	}
	if l := r.Lease; l != nil {
		beat := l.Heartbeat
		if beat.IsZero() {
			beat = time.Now()
		}
		row.leaseOwner = sql.NullString{String: l.Owner, Valid: true}
		row.leaseUntil = sql.NullInt64{Int64: l.Until.UnixNano(), Valid: true}
		row.heartbeat = sql.NullInt64{Int64: beat.UnixNano(), Valid: true}
	}
	return row, nil
}

// rawJSON checks and compacts a JSON document; empty becomes "{}".
func rawJSON(m json.RawMessage, what, id string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return "", fmt.Errorf("create run %s: %s is not valid JSON: %v: %w",
			id, what, err, core.ErrInvalidArgument)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("create run %s: %s: %w", id, what, err)
	}
	return string(b), nil
}

func insertRun(ctx context.Context, tx *sql.Tx, r runRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO runs
		(id, experiment, cell_id, params, config, seed, status, error, step, started, ended, record,
		lease_owner, lease_until, heartbeat)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.id, r.experiment, r.cellID, r.params, r.config, r.seed, r.status, r.errMsg,
		r.step, r.started, r.ended, r.record, r.leaseOwner, r.leaseUntil, r.heartbeat)
	return err
}

// UpdateRun sets a run's status, last completed step and error message. A
// terminal status (anything but running) also sets Ended to now and ends
// the run's lease, since an ended run has no process working on it;
// running clears Ended, as when a run resumes, and keeps the lease.
func (s *Store) UpdateRun(ctx context.Context, id, status string, step int64, errMsg string) error {
	if !slices.Contains(Statuses, status) {
		return fmt.Errorf("update run %s: unknown status %q (want one of %s): %w",
			id, status, strings.Join(Statuses, ", "), core.ErrInvalidArgument)
	}
	var ended sql.NullInt64
	if status != StatusRunning {
		ended = sql.NullInt64{Int64: time.Now().UnixNano(), Valid: true}
	}
	return s.write(ctx, "update run "+id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?1, step = ?2, error = ?3,
			ended = ?4, lease_owner = iif(?1 = ?5, lease_owner, NULL),
			lease_until = iif(?1 = ?5, lease_until, NULL), heartbeat = iif(?1 = ?5, heartbeat, NULL)
			WHERE id = ?6`, status, step, errMsg, ended, StatusRunning, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no run %q: %w", id, core.ErrNotFound)
		}
		return nil
	})
}

// AddMetrics records evaluation values of a run at a step, replacing
// values already recorded for the same run, name and step.
func (s *Store) AddMetrics(ctx context.Context, runID string, step int64,
	values map[string]float64) error {
	return s.AddMetricsWithDirection(ctx, runID, step, values, nil)
}

// AddMetricsWithDirection is AddMetrics that also records, per metric name,
// whether higher values are better, as the metric plugin reported it.
// Names missing from higherIsBetter keep an unknown direction.
func (s *Store) AddMetricsWithDirection(ctx context.Context, runID string, step int64,
	values map[string]float64, higherIsBetter map[string]bool) error {
	names := make([]string, 0, len(values))
	for n := range values {
		if n == "" {
			return fmt.Errorf("add metrics to run %s: empty metric name: %w",
				runID, core.ErrInvalidArgument)
		}
		names = append(names, n)
	}
	slices.Sort(names)

	return s.write(ctx, "add metrics to run "+runID, func(tx *sql.Tx) error {
		rid, err := s.rid(ctx, tx, runID)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO metrics(rid, name, step, value,
			higher_is_better) VALUES (?, ?, ?, ?, ?) ON CONFLICT (rid, name, step) DO UPDATE
			SET value = excluded.value,
			higher_is_better = coalesce(excluded.higher_is_better, higher_is_better)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, n := range names {
			var dir sql.NullBool
			if h, ok := higherIsBetter[n]; ok {
				dir = sql.NullBool{Bool: h, Valid: true}
			}
			if _, err := stmt.ExecContext(ctx, rid, n, step, nullNaN(values[n]), dir); err != nil {
				return err
			}
		}
		return nil
	})
}

// seriesBatch is how many points one INSERT statement carries: fewer
// statements is most of the speed of bulk ingestion.
const seriesBatch = 200

// AddSeries records training-series points of a run in one transaction. A
// point whose run, name and step exist already replaces the old value, so a
// resumed run may send points again without duplicating them.
func (s *Store) AddSeries(ctx context.Context, runID string, points []Point) error {
	for _, p := range points {
		if p.Name == "" {
			return fmt.Errorf("add series to run %s: empty series name at step %d: %w",
				runID, p.Step, core.ErrInvalidArgument)
		}
	}
	return s.write(ctx, "add series to run "+runID, func(tx *sql.Tx) error {
		rid, err := s.rid(ctx, tx, runID)
		if err != nil {
			return err
		}
		return insertPoints(ctx, tx, "series", rid, points)
	})
}

// insertPoints upserts points into table (series or metrics, never a
// caller's string) in statements of seriesBatch rows.
func insertPoints(ctx context.Context, tx *sql.Tx, table string, rid int64, points []Point) error {
	if table != "series" && table != "metrics" {
		panic("results: insertPoints into unknown table " + table)
	}
	var full *sql.Stmt
	args := make([]any, 0, 4*seriesBatch)
	for len(points) > 0 {
		n := min(len(points), seriesBatch)
		args = args[:0]
		for _, p := range points[:n] {
			args = append(args, rid, p.Name, p.Step, nullNaN(p.Value))
		}

		var err error
		if n == seriesBatch {
			if full == nil {
				full, err = tx.PrepareContext(ctx, upsertPoints(table, n))
				if err != nil {
					return err
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, upsertPoints(table, n), args...)
		}
		if err != nil {
			return err
		}
		points = points[n:]
	}
	return nil
}

// upsertPoints is an INSERT of n rows into table that replaces on conflict.
func upsertPoints(table string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + "(rid, name, step, value) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	b.WriteString(" ON CONFLICT (rid, name, step) DO UPDATE SET value = excluded.value")
	return b.String()
}

// AddArtifact records a file a run produced, of a kind such as "samples",
// "curve" or "checkpoint-last", with its size and sha256. Recording the
// same run, kind and path again updates the hash.
func (s *Store) AddArtifact(ctx context.Context, runID, kind, path string) error {
	if kind == "" || path == "" {
		return fmt.Errorf("add artifact to run %s: kind and path are required: %w",
			runID, core.ErrInvalidArgument)
	}
	sum, size, err := fileSHA256(path)
	if err != nil {
		return fmt.Errorf("add artifact %s to run %s: %w", path, runID, err)
	}
	return s.putArtifact(ctx, runID, Artifact{
		Kind: kind, Path: path, SHA256: sum, Size: size, Created: time.Now(),
	})
}

func (s *Store) putArtifact(ctx context.Context, runID string, a Artifact) error {
	return s.write(ctx, "add artifact to run "+runID, func(tx *sql.Tx) error {
		rid, err := s.rid(ctx, tx, runID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO artifacts(rid, kind, path, sha256, size, created)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rid, kind, path) DO UPDATE
			SET sha256 = excluded.sha256, size = excluded.size, created = excluded.created`,
			rid, a.Kind, a.Path, a.SHA256, a.Size, a.Created.UnixNano())
		return err
	})
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, fmt.Errorf("%w: %w", core.ErrNotFound, err)
	}
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// write runs fn in one immediate transaction on the writer connection.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fileErr(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrFailedPrecondition) ||
			errors.Is(err, core.ErrInvalidArgument) {
			return fmt.Errorf("results store %s: %s: %w", s.path, op, err)
		}
		return s.fileErr(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fileErr(op, err)
	}
	return nil
}

// rid returns the row id of run id, from the cache or the file.
func (s *Store) rid(ctx context.Context, q querier, id string) (int64, error) {
	s.mu.Lock()
	rid, ok := s.rids[id]
	s.mu.Unlock()
	if ok {
		return rid, nil
	}
	err := q.QueryRowContext(ctx, "SELECT rid FROM runs WHERE id = ?", id).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no run %q: %w", id, core.ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.rids[id] = rid
	s.mu.Unlock()
	return rid, nil
}

// nullNaN stores NaN as NULL, since SQLite has no NaN.
func nullNaN(v float64) sql.NullFloat64 {
	return sql.NullFloat64{Float64: v, Valid: !math.IsNaN(v)}
}
