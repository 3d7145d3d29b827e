package results

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/ndalab/ndalab/core"
)

// Run statuses. A run is created running and ends in one of the others.
const (
	StatusRunning     = "running"
	StatusFinished    = "finished"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
	StatusDiverged    = "diverged"
)

// Statuses lists every run status, running first.
var Statuses = []string{
	StatusRunning, StatusFinished, StatusInterrupted, StatusFailed, StatusDiverged,
}

// Run is one attempt at a matrix cell.
type Run struct {
	ID         string          // unique per attempt, e.g. CellID + "-" + attempt
	Experiment string          // experiment name
	CellID     string          // stable hash of the resolved cell config and seed
	Params     map[string]any  // the values that vary in the matrix; JSON-encodable
	Config     json.RawMessage // the full resolved config
	Seed       int64
	Status     string // one of Statuses
	Error      string // why the run failed or diverged; empty otherwise
	Step       int64  // last completed step
	Started    time.Time
	Ended      time.Time       // zero while running
	Record     json.RawMessage // reproducibility record (versions, hashes, host)
	// Lease is held by the process working on a running run; nil when none
	// holds it, as always once the run has ended. A lease read back may
	// have lapsed: see Lease.Live.
	Lease *Lease
}

// Point is one value of a training series at a step.
type Point struct {
	Name  string
	Step  int64
	Value float64 // NaN is stored as SQL NULL and read back as NaN
}

// busyTimeout is how long a writer waits for another process's write
// transaction before giving up. Transactions here are short (a batch of
// points), so waiting long only matters under heavy contention.
const busyTimeout = 60 * time.Second

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Store is an open results file. Its methods are safe for concurrent use;
// writes from one Store go through a single connection, so they serialise.
type Store struct {
	path string
	w    *sql.DB // the one writer connection; transactions BEGIN IMMEDIATE
	r    *sql.DB // readers

	mu   sync.Mutex
	rids map[string]int64 // run ID -> rowid, filled lazily; rows are never deleted
}

// Options adjust Open.
type Options struct {
	// SkipCheck skips PRAGMA quick_check, which reads the whole file to
	// find corruption; a long-lived writer with a large file may skip it.
	SkipCheck bool
}

// Open opens the results file at path, creating it if it does not exist and
// upgrading it if it was written by an older ndalab. It refuses a file of a
// newer schema, a file that is not an ndalab store, and a corrupt file.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opt Options) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("open results store: empty path: %w", core.ErrInvalidArgument)
	}
	if err := checkMagic(path); err != nil {
		return nil, err
	}

	w, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open results store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s := &Store{path: path, w: w, rids: map[string]int64{}}

	if err := s.prepare(ctx, opt); err != nil {
		w.Close()
		return nil, err
	}

	// Readers open only after the file is known to be ours and in WAL mode.
	s.r, err = sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open results store %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(4)
	return s, nil
}

// dsn builds the go-sqlite3 connection string. The journal mode is not in
// it: switching a foreign file to WAL before recognising it would modify it.
func dsn(path string, writer bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "true")
	}
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes the characters that end or escape the path part of an
// SQLite URI filename.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// checkMagic refuses an existing non-empty file that is not SQLite before
// SQLite sees it, for a clearer error than "file is not a database".
func checkMagic(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open results store %s: %w", path, err)
	}
	defer f.Close()

	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file becomes a new store
	}
	if err != nil || !bytes.Equal(head, sqliteMagic) {
		return fmt.Errorf("open results store %s: not an SQLite database (so not an ndalab "+
			"results file): %w", path, core.ErrInvalidArgument)
	}
	return nil
}

// prepare recognises the file, switches it to WAL, creates or upgrades the
// schema and, unless skipped, checks the file for corruption.
func (s *Store) prepare(ctx context.Context, opt Options) error {
	if _, err := s.readHeader(ctx, s.w); err != nil {
		return err
	}
	if err := s.setWAL(ctx); err != nil {
		return s.fileErr("set WAL mode", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if !opt.SkipCheck {
		return s.Check(ctx)
	}
	return nil
}

// setWAL switches the file to WAL mode. Connections that switch a new file
// at the same time can each hold a shared lock and want an exclusive one;
// SQLite then answers SQLITE_BUSY at once instead of waiting, since its busy
// handler cannot break that deadlock. So a busy answer is retried, with a
// short pause, until the busy timeout.
func (s *Store) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		_, err := s.w.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || se.Code != sqlite3.ErrBusy ||
			time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// header is what identifies a file.
type header struct {
	appID, version int64
	objects        int64 // tables, indexes, views and triggers
}

// readHeader reads and judges the file's identity. It refuses foreign and
// newer files; an empty file has version 0.
func (s *Store) readHeader(ctx context.Context, q querier) (header, error) {
	// One statement, so that the three values come from one snapshot even
	// while another process creates the schema.
	var h header
	err := q.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)`).
		Scan(&h.appID, &h.version, &h.objects)
	if err != nil {
		return h, s.fileErr("read header", err)
	}

	switch {
	case h.appID == 0 && h.version == 0 && h.objects == 0:
		return h, nil // new or empty: ours to initialise
	case h.appID != applicationID:
		return h, fmt.Errorf("open results store %s: not an ndalab results database "+
			"(SQLite application_id %#x, want %#x): %w",
			s.path, h.appID, applicationID, core.ErrInvalidArgument)
	case h.version > SchemaVersion:
		return h, fmt.Errorf("open results store %s: schema version %d is newer than this "+
			"ndalab supports (%d): use a newer ndalab: %w",
			s.path, h.version, SchemaVersion, core.ErrFailedPrecondition)
	case h.version < 1:
		return h, fmt.Errorf("open results store %s: ndalab file without a schema version: %w",
			s.path, core.ErrInvalidArgument)
	}
	return h, nil
}

// migrate applies the missing schema steps in one immediate transaction, so
// that processes opening a new file together create it exactly once.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fileErr("begin migration", err)
	}
	defer tx.Rollback()

	h, err := s.readHeader(ctx, tx)
	if err != nil {
		return err
	}
	if h.version == SchemaVersion {
		return nil
	}
	for v := h.version; v < SchemaVersion; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return s.fileErr(fmt.Sprintf("migrate schema to version %d", v+1), err)
		}
	}

	// PRAGMA takes no parameters; both values are integers from this package.
	pragmas := fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d",
		applicationID, SchemaVersion)
	if _, err := tx.ExecContext(ctx, pragmas); err != nil {
		return s.fileErr("set schema version", err)
	}
	if err := tx.Commit(); err != nil {
		return s.fileErr("commit migration", err)
	}
	return nil
}

// Check runs PRAGMA quick_check and reports a corrupt file.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return s.fileErr("check", err)
	}
	defer rows.Close()

	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.fileErr("check", err)
		}
		if line != "ok" && !strings.HasPrefix(line, "*** in database") && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.fileErr("check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("open results store %s: file is corrupt: %v: %w",
			s.path, problems, core.ErrInvalidArgument)
	}
	return nil
}

// fileErr wraps a SQLite error with the operation and the file, and names
// corruption plainly.
func (s *Store) fileErr(op string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			return fmt.Errorf("results store %s: %s: file is corrupt or not a database "+
				"(%v): %w", s.path, op, err, core.ErrInvalidArgument)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("results store %s: %s: %w: %w", s.path, op, core.ErrCanceled, err)
	}
	return fmt.Errorf("results store %s: %s: %w", s.path, op, err)
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close closes the file. A Store must not be used after Close.
func (s *Store) Close() error {
	var errR error
	if s.r != nil {
		errR = s.r.Close()
	}
	errW := s.w.Close()
	if err := errors.Join(errW, errR); err != nil {
		return fmt.Errorf("close results store %s: %w", s.path, err)
	}
	return nil
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn share for reads.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
