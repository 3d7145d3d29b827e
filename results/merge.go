package results

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
)

// MergeStats counts what a merge changed.
type MergeStats struct {
	Runs, NewRuns int // runs read from the sources; of those, runs new to the target
}

// runIdentity is what makes two rows with one run ID the same run. The
// rest of a run (status, step, error, end) is progress, which may differ
// between a shard copied mid-run and the finished one.
type runIdentity struct {
	experiment, cellID, params, config, record string
	seed, started                              int64
}

func identityOf(r runRow) runIdentity {
	return runIdentity{r.experiment, r.cellID, r.params, r.config, r.record, r.seed, r.started}
}

func (i runIdentity) String() string {
	return fmt.Sprintf("experiment %s, cell %s, seed %d, started %s",
		i.experiment, i.cellID, i.seed, time.Unix(0, i.started).UTC().Format(time.RFC3339Nano))
}

// Merge copies every run of srcs, with its metrics, series and artifacts,
// into s. Merging is idempotent: merging the same sources again changes
// nothing. A run already present is kept, and its progress (status, step,
// error, end) becomes the furthest of the copies, so the order of sources
// does not matter for runs. Values at one run, name and step are replaced
// by the source's.
//
// Leases are not copied: they belong to the processes working on the
// source files, not to the target.
//
// Two different runs claiming one ID (another experiment, cell, seed,
// start, config or record) are an error that lists every such ID, and then
// nothing is written.
func (s *Store) Merge(ctx context.Context, srcs ...*Store) (MergeStats, error) {
	var st MergeStats
	for _, src := range srcs {
		if sameFile(src.path, s.path) {
			return st, fmt.Errorf("merge %s into itself: %w", s.path, core.ErrInvalidArgument)
		}
	}

	// Check every ID against the target and the other sources first.
	type claim struct {
		id   runIdentity
		file string
	}
	claims := map[string]claim{}
	conflicts := map[string][]string{}
	note := func(id string, r runRow, file string) {
		c, ok := claims[id]
		switch {
		case !ok:
			claims[id] = claim{identityOf(r), file}
		case c.id != identityOf(r):
			if len(conflicts[id]) == 0 {
				conflicts[id] = []string{c.file + ": " + c.id.String()}
			}
			conflicts[id] = append(conflicts[id], file+": "+identityOf(r).String())
		}
	}
	for _, src := range append([]*Store{s}, srcs...) {
		rows, err := src.runRows(ctx)
		if err != nil {
			return st, err
		}
		for _, r := range rows {
			note(r.id, r, src.path)
		}
	}
	if len(conflicts) > 0 {
		return st, conflictError(conflicts)
	}

	for _, src := range srcs {
		if err := s.mergeExperiments(ctx, src); err != nil {
			return st, err
		}
		rows, err := src.runRows(ctx)
		if err != nil {
			return st, err
		}
		for _, r := range rows {
			isNew, err := s.mergeRun(ctx, src, r)
			if err != nil {
				return st, fmt.Errorf("merge %s into %s: %w", src.path, s.path, err)
			}
			st.Runs++
			if isNew {
				st.NewRuns++
			}
		}
	}
	return st, nil
}

func conflictError(conflicts map[string][]string) error {
	ids := make([]string, 0, len(conflicts))
	for id := range conflicts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "merge: %d run IDs are claimed by different runs; nothing was written:",
		len(ids))
	for _, id := range ids {
		fmt.Fprintf(&b, "\n  run %s:", id)
		for _, c := range conflicts[id] {
			b.WriteString("\n    " + c)
		}
	}
	return fmt.Errorf("%s\n%w", b.String(), core.ErrFailedPrecondition)
}

// mergeExperiments copies src's experiments, keeping the earliest
// creation time of each.
func (s *Store) mergeExperiments(ctx context.Context, src *Store) error {
	rows, err := src.r.QueryContext(ctx, "SELECT name, created FROM experiments ORDER BY name")
	if err != nil {
		return src.fileErr("read experiments", err)
	}
	type exp struct {
		name    string
		created int64
	}
	var exps []exp
	for rows.Next() {
		var e exp
		if err := rows.Scan(&e.name, &e.created); err != nil {
			rows.Close()
			return src.fileErr("read experiments", err)
		}
		exps = append(exps, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return src.fileErr("read experiments", err)
	}

	return s.write(ctx, "merge experiments of "+src.path, func(tx *sql.Tx) error {
		for _, e := range exps {
			_, err := tx.ExecContext(ctx, `INSERT INTO experiments(name, created) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET created = excluded.created
				WHERE excluded.created < created`, e.name, e.created)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// runRows reads every run in its stored form.
func (s *Store) runRows(ctx context.Context) ([]runRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, experiment, cell_id, params, config, seed,
		status, error, step, started, ended, record FROM runs ORDER BY rid`)
	if err != nil {
		return nil, s.fileErr("read runs", err)
	}
	defer rows.Close()

	var out []runRow
	for rows.Next() {
		var r runRow
		err := rows.Scan(&r.id, &r.experiment, &r.cellID, &r.params, &r.config, &r.seed,
			&r.status, &r.errMsg, &r.step, &r.started, &r.ended, &r.record)
		if err != nil {
			return nil, s.fileErr("read runs", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fileErr("read runs", err)
	}
	return out, nil
}

// further reports whether progress a is past progress b, in a total order
// (step, then ended over running, then end time, status, error) so that
// the result of a merge does not depend on the order of its sources.
func further(a, b runRow) bool {
	if a.step != b.step {
		return a.step > b.step
	}
	if a.ended.Valid != b.ended.Valid {
		return a.ended.Valid
	}
	if a.ended.Int64 != b.ended.Int64 {
		return a.ended.Int64 > b.ended.Int64
	}
	if a.status != b.status {
		return a.status > b.status
	}
	return a.errMsg > b.errMsg
}

// mergeRun copies one run and its rows from src in one transaction.
func (s *Store) mergeRun(ctx context.Context, src *Store, r runRow) (bool, error) {
	metrics, err := src.Metrics(ctx, r.id)
	if err != nil {
		return false, err
	}
	series, err := src.Series(ctx, r.id, "")
	if err != nil {
		return false, err
	}
	artifacts, err := src.Artifacts(ctx, r.id)
	if err != nil {
		return false, err
	}

	isNew := false
	err = s.write(ctx, "merge run "+r.id, func(tx *sql.Tx) error {
		old, found, err := s.runRowTx(ctx, tx, r.id)
		if err != nil {
			return err
		}
		switch {
		case !found:
			isNew = true
			if err := insertRun(ctx, tx, r); err != nil {
				return err
			}
		case further(r, old):
			_, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, step = ?,
				ended = ? WHERE id = ?`, r.status, r.errMsg, r.step, r.ended, r.id)
			if err != nil {
				return err
			}
		}

		rid, err := s.rid(ctx, tx, r.id)
		if err != nil {
			return err
		}
		if err := mergeMetrics(ctx, tx, rid, metrics); err != nil {
			return err
		}
		if err := insertPoints(ctx, tx, "series", rid, series); err != nil {
			return err
		}
		for _, a := range artifacts {
			_, err := tx.ExecContext(ctx, `INSERT INTO artifacts(rid, kind, path, sha256, size,
				created) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rid, kind, path) DO UPDATE
				SET sha256 = excluded.sha256, size = excluded.size, created = excluded.created`,
				rid, a.Kind, a.Path, a.SHA256, a.Size, a.Created.UnixNano())
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// A rolled-back insert may have cached a row id that does not exist.
		s.mu.Lock()
		delete(s.rids, r.id)
		s.mu.Unlock()
	}
	return isNew, err
}

func (s *Store) runRowTx(ctx context.Context, tx *sql.Tx, id string) (runRow, bool, error) {
	var r runRow
	err := tx.QueryRowContext(ctx, `SELECT id, experiment, cell_id, params, config, seed,
		status, error, step, started, ended, record FROM runs WHERE id = ?`, id).
		Scan(&r.id, &r.experiment, &r.cellID, &r.params, &r.config, &r.seed,
			&r.status, &r.errMsg, &r.step, &r.started, &r.ended, &r.record)
	if err == sql.ErrNoRows {
		return r, false, nil
	}
	return r, err == nil, err
}

func mergeMetrics(ctx context.Context, tx *sql.Tx, rid int64, ms []Metric) error {
	if len(ms) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO metrics(rid, name, step, value,
		higher_is_better) VALUES (?, ?, ?, ?, ?) ON CONFLICT (rid, name, step) DO UPDATE
		SET value = excluded.value,
		higher_is_better = coalesce(excluded.higher_is_better, higher_is_better)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, m := range ms {
		var dir sql.NullBool
		if m.HigherIsBetter != nil {
			dir = sql.NullBool{Bool: *m.HigherIsBetter, Valid: true}
		}
		if _, err := stmt.ExecContext(ctx, rid, m.Name, m.Step, nullNaN(m.Value), dir); err != nil {
			return err
		}
	}
	return nil
}
