package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ndalab/ndalab/core"
)

// Lease says which process works on a run. The holder renews it by
// heartbeat; once Until has passed without a renewal the holder is taken
// for dead and another process may take the run over. Processes sharing a
// file share a clock, since the file lives on a local disk.
type Lease struct {
	Owner     string    // who holds it, e.g. "pid@host/token"; unique per claim
	Until     time.Time // when the lease lapses unless renewed
	Heartbeat time.Time // the last renewal (or the taking)
}

// Live reports whether the lease is held at time now.
func (l Lease) Live(now time.Time) bool { return l.Owner != "" && now.Before(l.Until) }

// LeaseError says that a run cannot be leased because another process holds
// a live lease on it or on another run of its cell, or, with Lost set, that
// the caller's own lease was taken over or released. It wraps
// core.ErrFailedPrecondition.
type LeaseError struct {
	RunID string // the run the caller asked for
	// HeldRun and Held are the run whose lease stands in the way and that
	// lease; Held.Owner is empty when a lost lease is held by no one.
	HeldRun string
	Held    Lease
	Lost    bool
}

func (e *LeaseError) Error() string {
	holder := "no one"
	if e.Held.Owner != "" {
		holder = fmt.Sprintf("%s until %s (last heartbeat %s)", e.Held.Owner,
			e.Held.Until.Format(time.DateTime), e.Held.Heartbeat.Format(time.DateTime))
	}
	if e.Lost {
		return fmt.Sprintf("run %s: lease lost: now held by %s", e.RunID, holder)
	}
	if e.HeldRun != e.RunID {
		return fmt.Sprintf("run %s: its cell's run %s is held by %s", e.RunID, e.HeldRun, holder)
	}
	return fmt.Sprintf("run %s is held by %s", e.RunID, holder)
}

func (e *LeaseError) Unwrap() error { return core.ErrFailedPrecondition }

// TakeLease makes owner the holder of run runID for ttl, in one immediate
// transaction. It succeeds when no other owner holds a live lease on any
// run of the same cell (owner itself may hold one: that is a renewal), so
// that two processes never work on one cell; otherwise it returns a
// *LeaseError naming the holder. A missing run is core.ErrNotFound.
func (s *Store) TakeLease(ctx context.Context, runID, owner string, ttl time.Duration) error {
	if err := checkLease(runID, owner, ttl); err != nil {
		return err
	}
	return s.write(ctx, "lease run "+runID, func(tx *sql.Tx) error {
		var experiment, cellID string
		err := tx.QueryRowContext(ctx, "SELECT experiment, cell_id FROM runs WHERE id = ?",
			runID).Scan(&experiment, &cellID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no run %q: %w", runID, core.ErrNotFound)
		}
		if err != nil {
			return err
		}
		now := time.Now()
		if err := checkCellFree(ctx, tx, runID, experiment, cellID, owner, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET lease_owner = ?, lease_until = ?,
			heartbeat = ? WHERE id = ?`, owner, now.Add(ttl).UnixNano(), now.UnixNano(), runID)
		return err
	})
}

// RenewLease extends owner's lease on run runID to ttl from now. If owner
// no longer holds it (another process took it over after it lapsed, or it
// was released) it returns a *LeaseError with Lost set.
func (s *Store) RenewLease(ctx context.Context, runID, owner string, ttl time.Duration) error {
	if err := checkLease(runID, owner, ttl); err != nil {
		return err
	}
	return s.write(ctx, "renew lease of run "+runID, func(tx *sql.Tx) error {
		now := time.Now()
		res, err := tx.ExecContext(ctx, `UPDATE runs SET lease_until = ?, heartbeat = ?
			WHERE id = ? AND lease_owner = ?`, now.Add(ttl).UnixNano(), now.UnixNano(), runID,
			owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		held, found, err := leaseOf(ctx, tx, runID)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("no run %q: %w", runID, core.ErrNotFound)
		}
		return &LeaseError{RunID: runID, HeldRun: runID, Held: held, Lost: true}
	})
}

// ReleaseLease ends owner's lease on run runID. A lease owner does not hold
// (any more) is left alone, and that is not an error.
func (s *Store) ReleaseLease(ctx context.Context, runID, owner string) error {
	return s.write(ctx, "release lease of run "+runID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE runs SET lease_owner = NULL, lease_until = NULL,
			heartbeat = NULL WHERE id = ? AND lease_owner = ?`, runID, owner)
		return err
	})
}

func checkLease(runID, owner string, ttl time.Duration) error {
	if owner == "" || ttl <= 0 {
		return fmt.Errorf("lease run %s: want an owner and a positive duration (got %q, %v): %w",
			runID, owner, ttl, core.ErrInvalidArgument)
	}
	return nil
}

// checkCellFree returns a *LeaseError if a run of the cell holds a lease of
// another owner that is live at now.
func checkCellFree(ctx context.Context, tx *sql.Tx, runID, experiment, cellID, owner string,
	now time.Time) error {
	var (
		heldRun     string
		l           Lease
		until, beat int64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, lease_owner, lease_until, coalesce(heartbeat, 0)
		FROM runs WHERE experiment = ? AND cell_id = ? AND lease_owner IS NOT NULL
		AND lease_owner != ? AND lease_until > ? ORDER BY lease_until DESC LIMIT 1`,
		experiment, cellID, owner, now.UnixNano()).Scan(&heldRun, &l.Owner, &until, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	l.Until, l.Heartbeat = time.Unix(0, until), time.Unix(0, beat)
	return &LeaseError{RunID: runID, HeldRun: heldRun, Held: l}
}

// leaseOf reads a run's lease; the zero Lease when none holds it.
func leaseOf(ctx context.Context, q querier, runID string) (Lease, bool, error) {
	var (
		owner       sql.NullString
		until, beat sql.NullInt64
	)
	err := q.QueryRowContext(ctx, "SELECT lease_owner, lease_until, heartbeat FROM runs "+
		"WHERE id = ?", runID).Scan(&owner, &until, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, err
	}
	return leaseFrom(owner, until, beat), true, nil
}

// leaseFrom builds a Lease from its columns; nil columns read as no lease.
func leaseFrom(owner sql.NullString, until, beat sql.NullInt64) Lease {
	if !owner.Valid || owner.String == "" {
		return Lease{}
	}
	l := Lease{Owner: owner.String, Until: time.Unix(0, until.Int64)}
	if beat.Valid {
		l.Heartbeat = time.Unix(0, beat.Int64)
	}
	return l
}
