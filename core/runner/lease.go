package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ndalab/ndalab/results"
)

// Default lease timing: a run's lease is renewed every
// DefaultLeaseInterval and lapses DefaultLeaseExpiry after the last
// renewal. The expiry leaves room for several missed heartbeats (a busy
// disk, a slow write by another process) before a live run looks dead.
const (
	DefaultLeaseInterval = 10 * time.Second
	DefaultLeaseExpiry   = time.Minute
)

// StatusHeld marks a cell that another process is running: its run holds
// a live lease, so this runner leaves it alone. It also marks a run whose
// lease this runner lost to another process, which then stopped.
const StatusHeld = "held"

// leaseOwner names one claim of a cell: the process, its host and a random
// token, so that two claims by one process never pass for each other.
func leaseOwner() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	token := make([]byte, 4)
	rand.Read(token) // crypto/rand never fails on supported systems
	return fmt.Sprintf("%d@%s/%s", os.Getpid(), host, hex.EncodeToString(token))
}

// lease is one claim of a cell by this runner: the lease on the run it
// works on, renewed by a heartbeat goroutine while the run lasts. If a
// renewal finds the lease taken over (this process stalled past the
// expiry), the run's context is cancelled with the *results.LeaseError as
// its cause and the run writes nothing more.
type lease struct {
	store    Store
	log      *slog.Logger
	owner    string
	interval time.Duration
	expiry   time.Duration
	cancel   context.CancelCauseFunc // the run's context

	mu    sync.Mutex
	runID string // the leased run; "" before one is held
	lost  error  // the *results.LeaseError that ended the lease
	stop  chan struct{}
	done  chan struct{}
}

func (r *Runner) newLease(cancel context.CancelCauseFunc) *lease {
	return &lease{store: r.opt.Store, log: r.opt.Log, owner: leaseOwner(),
		interval: r.opt.LeaseInterval, expiry: r.opt.LeaseExpiry, cancel: cancel}
}

// take leases an existing run (to resume it) and starts the heartbeat.
func (l *lease) take(ctx context.Context, runID string) error {
	if err := l.store.TakeLease(ctx, runID, l.owner, l.expiry); err != nil {
		return err
	}
	l.hold(ctx, runID)
	return nil
}

// forNew is the lease to create a new run with.
func (l *lease) forNew() *results.Lease {
	return &results.Lease{Owner: l.owner, Until: time.Now().Add(l.expiry)}
}

// hold makes runID, whose lease l's owner has just taken, the run the
// heartbeat renews, and releases the run held before (a run abandoned for a
// new attempt).
func (l *lease) hold(ctx context.Context, runID string) {
	l.mu.Lock()
	old := l.runID
	l.runID = runID
	if l.stop == nil {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.beat(l.stop, l.done)
	}
	l.mu.Unlock()
	if old != "" && old != runID {
		if err := l.store.ReleaseLease(ctx, old, l.owner); err != nil {
			l.log.Warn("release lease", "run", old, "err", err)
		}
	}
}

// beat renews the lease every interval until stop is closed, then closes
// done. It renews with a context of its own: an interrupted run still
// needs its lease while it writes its last checkpoint.
func (l *lease) beat(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if err := l.renew(); err != nil {
			var le *results.LeaseError
			if errors.As(err, &le) {
				return
			}
			// The lease stands until it lapses; the next beat tries again.
			l.log.Warn("renew lease", "run", l.held(), "owner", l.owner, "err", err)
		}
	}
}

// renew extends the lease now; a lease found lost cancels the run.
func (l *lease) renew() error {
	id := l.held()
	if id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.expiry)
	defer cancel()
	err := l.store.RenewLease(ctx, id, l.owner, l.expiry)
	var le *results.LeaseError
	if errors.As(err, &le) {
		l.mu.Lock()
		if l.lost == nil {
			l.lost = err
		}
		l.mu.Unlock()
		l.log.Warn("lease lost: stopping the run", "run", id, "owner", l.owner, "err", err)
		l.cancel(err)
	}
	return err
}

// confirm renews the lease before the run writes something that another
// holder would own (a checkpoint, the final status), so that a process
// that stalled past its expiry finds out before it writes, not after.
func (l *lease) confirm() error {
	if err := l.lostErr(); err != nil {
		return err
	}
	return l.renew()
}

func (l *lease) held() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runID
}

// lostErr is the *results.LeaseError of a lost lease, or nil.
func (l *lease) lostErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// stopBeat stops the heartbeat and waits for it; the lease stays until it
// is released or lapses.
func (l *lease) stopBeat() {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop = nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// end stops the heartbeat and releases whatever lease is still held. A run
// that ended released it already with its final status.
func (l *lease) end() {
	l.stopBeat()
	id := l.held()
	if id == "" || l.lostErr() != nil {
		return
	}
	if err := l.store.ReleaseLease(context.Background(), id, l.owner); err != nil {
		l.log.Warn("release lease", "run", id, "err", err)
	}
}
