package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
)

// TestMigrateFromV2 opens a file of the previous schema holding a run that
// was running when its process died: the file upgrades, the run reads back
// without a lease, and it can be leased, as a crashed run must be.
func TestMigrateFromV2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		migrations[0],
		migrations[1],
		"PRAGMA application_id = 1313096012", // 0x4e44414c
		"PRAGMA user_version = 2",
		"INSERT INTO experiments VALUES ('e', 1)",
		`INSERT INTO runs(id, experiment, cell_id, seed, status, step, started)
		 VALUES ('c1-1', 'e', 'c1', 3, 'running', 20, 5)`,
		`INSERT INTO metrics(rid, name, step, value, higher_is_better)
		 VALUES (1, 'fid', 20, 42.5, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version after open = %d, %v; want %d", v, err, SchemaVersion)
	}
	r, err := s.GetRun(ctx, "c1-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusRunning || r.Step != 20 || r.Lease != nil {
		t.Fatalf("upgraded run = %+v, lease %v; want running at 20 with no lease", r, r.Lease)
	}
	ms, err := s.Metrics(ctx, "c1-1")
	if err != nil || len(ms) != 1 || ms[0].Value != 42.5 || ms[0].HigherIsBetter == nil {
		t.Fatalf("metrics after upgrade = %+v, %v", ms, err)
	}
	if err := s.TakeLease(ctx, "c1-1", "9@h/a", time.Minute); err != nil {
		t.Fatalf("lease an upgraded running run: %v", err)
	}
	if r, _ := s.GetRun(ctx, "c1-1"); r.Lease == nil || r.Lease.Owner != "9@h/a" {
		t.Fatalf("lease after TakeLease = %+v", r.Lease)
	}
}

func TestLeaseLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.CreateRun(ctx, &Run{ID: "c-1", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}

	// A takes the run; B is refused and told who holds it and until when.
	if err := s.TakeLease(ctx, "c-1", "A", time.Minute); err != nil {
		t.Fatal(err)
	}
	var le *LeaseError
	err := s.TakeLease(ctx, "c-1", "B", time.Minute)
	if !errors.As(err, &le) || le.Held.Owner != "A" || le.HeldRun != "c-1" || le.Lost ||
		!errors.Is(err, core.ErrFailedPrecondition) {
		t.Fatalf("B takes A's live lease: %v (%+v)", err, le)
	}
	if !strings.Contains(err.Error(), "held by A until") {
		t.Errorf("error %q does not name the holder", err)
	}
	if err := s.TakeLease(ctx, "c-1", "A", time.Minute); err != nil {
		t.Errorf("A takes its own lease again: %v", err)
	}

	// Another run of the same cell cannot be leased or created with a
	// lease while A holds the cell; without one it is created (records of
	// failures before a start are so).
	if err := s.CreateRun(ctx, &Run{ID: "c-2", Experiment: "e", CellID: "c",
		Lease: &Lease{Owner: "B", Until: time.Now().Add(time.Minute)}}); !errors.As(err, &le) ||
		le.HeldRun != "c-1" || le.RunID != "c-2" {
		t.Fatalf("create a leased run of a held cell: %v", err)
	}
	if _, err := s.GetRun(ctx, "c-2"); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("refused run was written: %v", err)
	}
	if err := s.CreateRun(ctx, &Run{ID: "d-1", Experiment: "e", CellID: "d",
		Lease: &Lease{Owner: "B", Until: time.Now().Add(time.Minute)}}); err != nil {
		t.Fatalf("create a leased run of a free cell: %v", err)
	}
	if r, _ := s.GetRun(ctx, "d-1"); r.Lease == nil || r.Lease.Owner != "B" ||
		!r.Lease.Live(time.Now()) || r.Lease.Heartbeat.IsZero() {
		t.Fatalf("created lease = %+v", r.Lease)
	}

	// Renewing moves Until on; a stranger cannot renew.
	before, _ := s.GetRun(ctx, "c-1")
	time.Sleep(5 * time.Millisecond)
	if err := s.RenewLease(ctx, "c-1", "A", time.Minute); err != nil {
		t.Fatal(err)
	}
	after, _ := s.GetRun(ctx, "c-1")
	if !after.Lease.Until.After(before.Lease.Until) ||
		!after.Lease.Heartbeat.After(before.Lease.Heartbeat) {
		t.Errorf("renewal: %+v -> %+v", before.Lease, after.Lease)
	}
	if err := s.RenewLease(ctx, "c-1", "B", time.Minute); !errors.As(err, &le) || !le.Lost ||
		le.Held.Owner != "A" {
		t.Errorf("B renews A's lease: %v", err)
	}

	// A stranger's release does nothing; an ending status releases.
	if err := s.ReleaseLease(ctx, "c-1", "B"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetRun(ctx, "c-1"); r.Lease == nil || r.Lease.Owner != "A" {
		t.Fatalf("after a stranger's release: %+v", r.Lease)
	}
	if err := s.UpdateRun(ctx, "c-1", StatusRunning, 10, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetRun(ctx, "c-1"); r.Lease == nil {
		t.Fatal("a running update dropped the lease")
	}
	if err := s.UpdateRun(ctx, "c-1", StatusInterrupted, 10, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetRun(ctx, "c-1"); r.Lease != nil {
		t.Fatalf("an interrupted run keeps lease %+v", r.Lease)
	}
	if err := s.RenewLease(ctx, "c-1", "A", time.Minute); !errors.As(err, &le) || !le.Lost ||
		le.Held.Owner != "" || !strings.Contains(err.Error(), "held by no one") {
		t.Errorf("renew a released lease: %v", err)
	}
	if err := s.TakeLease(ctx, "c-1", "B", time.Minute); err != nil {
		t.Errorf("take a released lease: %v", err)
	}
	if err := s.ReleaseLease(ctx, "c-1", "B"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetRun(ctx, "c-1"); r.Lease != nil {
		t.Fatalf("released lease still there: %+v", r.Lease)
	}

	if err := s.TakeLease(ctx, "nope", "A", time.Minute); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("lease a missing run: %v", err)
	}
	if err := s.TakeLease(ctx, "c-1", "", time.Minute); !errors.Is(err,
		core.ErrInvalidArgument) {
		t.Errorf("lease without an owner: %v", err)
	}
	err = s.CreateRun(ctx, &Run{ID: "c-9", Experiment: "e", CellID: "c", Status: StatusFinished,
		Lease: &Lease{Owner: "A", Until: time.Now().Add(time.Minute)}})
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("create a finished run with a lease: %v", err)
	}
	if err := s.CreateRun(ctx, &Run{ID: "c-1", Experiment: "e", CellID: "c"}); !errors.Is(err,
		ErrRunExists) {
		t.Errorf("create an existing run: %v", err)
	}
}

// TestLeaseExpiry is the crash case: a holder that stops renewing loses
// the run once its lease lapses, and learns so at its next renewal.
func TestLeaseExpiry(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.CreateRun(ctx, &Run{ID: "c-1", Experiment: "e", CellID: "c"}); err != nil {
		t.Fatal(err)
	}
	const ttl = 50 * time.Millisecond
	if err := s.TakeLease(ctx, "c-1", "dead", ttl); err != nil {
		t.Fatal(err)
	}
	if err := s.TakeLease(ctx, "c-1", "heir", time.Minute); err == nil {
		t.Fatal("took a live lease")
	}
	time.Sleep(ttl + 20*time.Millisecond)
	r, _ := s.GetRun(ctx, "c-1")
	if r.Lease == nil || r.Lease.Live(time.Now()) {
		t.Fatalf("lapsed lease reads %+v, want present and not live", r.Lease)
	}
	if err := s.TakeLease(ctx, "c-1", "heir", time.Minute); err != nil {
		t.Fatalf("take over a lapsed lease: %v", err)
	}
	var le *LeaseError
	if err := s.RenewLease(ctx, "c-1", "dead", ttl); !errors.As(err, &le) || !le.Lost ||
		le.Held.Owner != "heir" {
		t.Fatalf("the old holder renews: %v", err)
	}

	// A lapsed lease nobody took is the holder's to renew.
	if err := s.CreateRun(ctx, &Run{ID: "d-1", Experiment: "e", CellID: "d",
		Lease: &Lease{Owner: "slow", Until: time.Now().Add(ttl)}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 20*time.Millisecond)
	if err := s.RenewLease(ctx, "d-1", "slow", time.Minute); err != nil {
		t.Fatalf("renew a lapsed, untaken lease: %v", err)
	}
}

// TestLeaseContention has 8 store handles race to take one cell, half by
// leasing its interrupted run and half by creating its next run: exactly
// one wins, and every loser is told the winner's name.
func TestLeaseContention(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	s0, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s0.Close()
	if err := s0.CreateRun(ctx, &Run{ID: "c-1", Experiment: "e", CellID: "c",
		Status: StatusInterrupted}); err != nil {
		t.Fatal(err)
	}

	const contenders = 8
	errs := make([]error, contenders)
	var wg sync.WaitGroup
	for i := range contenders {
		wg.Go(func() {
			s, err := OpenWith(ctx, path, Options{SkipCheck: true})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			owner := fmt.Sprint("owner-", i)
			if i%2 == 0 {
				errs[i] = s.TakeLease(ctx, "c-1", owner, time.Minute)
				return
			}
			errs[i] = s.CreateRun(ctx, &Run{ID: fmt.Sprint("c-x", i), Experiment: "e",
				CellID: "c", Lease: &Lease{Owner: owner, Until: time.Now().Add(time.Minute)}})
		})
	}
	wg.Wait()

	winner := -1
	for i, err := range errs {
		var le *LeaseError
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("contenders %d and %d both took the cell", winner, i)
		case err == nil:
			winner = i
		case !errors.As(err, &le):
			t.Fatalf("contender %d: %v, want a lease error", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no contender took the cell")
	}
	for i, err := range errs {
		if i != winner && !strings.Contains(err.Error(), fmt.Sprint("owner-", winner)) {
			t.Errorf("contender %d: %q does not name the winner owner-%d", i, err, winner)
		}
	}
}
