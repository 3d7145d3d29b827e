package registry

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
)

// DefaultLockFile is the lock file's name in the working directory.
const DefaultLockFile = "ndalab-plugins.lock"

// Lock pins external plugins' sha256 sums. A plugin missing from it, or
// whose file changed since it was written, is refused before it runs.
type Lock struct {
	Version int         `json:"version"`
	Plugins []LockEntry `json:"plugins"`
	file    string
}

// LockEntry is one pinned plugin.
type LockEntry struct {
	Kind    core.Kind `json:"kind"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Path    string    `json:"path"`
	SHA256  string    `json:"sha256"`
}

// ReadLock reads a lock file. A missing file's error satisfies
// os.IsNotExist.
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%w: lock file %s: %v", core.ErrInvalidArgument, path, err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf(
			"%w: lock file %s: version %d, want 1",
			core.ErrInvalidArgument,
			path,
			l.Version,
		)
	}
	l.file = path
	return &l, nil
}

// Checksum returns the pinned sum of kind/name, which must be at path.
func (l *Lock) Checksum(kind core.Kind, name, path string) ([]byte, error) {
	id := string(kind) + "/" + name
	for _, e := range l.Plugins {
		if e.Kind != kind || e.Name != name {
			continue
		}
		abs, _ := filepath.Abs(path)
		if e.Path != abs {
			return nil, fmt.Errorf(
				"%w: plugin %s is locked at %s but was found at %s; run ndalab plugins lock",
				core.ErrFailedPrecondition,
				id,
				e.Path,
				abs,
			)
		}
		sum, err := hex.DecodeString(e.SHA256)
		if err != nil || len(sum) != 32 {
			return nil, fmt.Errorf("%w: lock file %s: plugin %s: bad sha256 %q",
				core.ErrInvalidArgument, l.file, id, e.SHA256)
		}
		return sum, nil
	}
	return nil, fmt.Errorf("%w: plugin %s (%s) is not in the lock file %s; run ndalab plugins lock",
		core.ErrFailedPrecondition, id, path, l.file)
}

// WriteLock pins every external plugin on the path, writing the file
// atomically. It returns the entries written.
func (r *Registry) WriteLock(ctx context.Context, path string) ([]LockEntry, error) {
	r.lock = nil // describe every plugin, pinned or not
	entries, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	l := Lock{Version: 1, Plugins: []LockEntry{}}
	for _, e := range entries {
		if e.Source == SourceBuiltin {
			continue
		}
		abs, err := filepath.Abs(e.Source)
		if err != nil {
			return nil, err
		}
		sum, err := fileSHA256(abs)
		if err != nil {
			return nil, err
		}
		l.Plugins = append(l.Plugins, LockEntry{Kind: e.Kind, Name: e.Name, Version: e.Version,
			Path: abs, SHA256: sum})
	}
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	l.file = path
	r.lock = &l
	return l.Plugins, nil
}
