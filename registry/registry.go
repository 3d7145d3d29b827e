// Package registry finds plugins, checks them against the lock file,
// starts them as processes and hands back core components.
//
// Built-in plugins are served by the ndalab binary itself
// (`ndalab plugin serve KIND/NAME`) and take exactly the path external ones
// take. External plugins are executables named ndalab-KIND-NAME found on
// the plugin path: NDALAB_PLUGIN_PATH (colon-separated), then the per-user
// directory (DefaultUserDir).
package registry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/protocol"
)

// SourceBuiltin is Entry.Source for plugins served by the ndalab binary.
const SourceBuiltin = "builtin"

// DefaultStartTimeout bounds a plugin's start, handshake included.
const DefaultStartTimeout = 10 * time.Second

// Options configure a Registry.
type Options struct {
	// Self is the ndalab binary that serves built-ins. Empty: os.Executable.
	Self string
	// Path lists directories searched for external plugins, in order.
	// Nil: DefaultPath().
	Path []string
	// LockFile, when it names an existing file, pins external plugins'
	// sha256 sums; a plugin missing from it or changed since is refused.
	LockFile string
	// StartTimeout bounds each start; zero means DefaultStartTimeout.
	StartTimeout time.Duration
	// Log receives plugins' log records and the registry's own.
	Log *slog.Logger
	// Builtins overrides the built-in list (tests); nil means builtin.All().
	Builtins []builtin.Plugin
	// NoSharedMemory keeps every tensor inside gRPC messages, even where
	// /dev/shm would carry large ones faster.
	NoSharedMemory bool
}

// Entry is one plugin the registry knows.
type Entry struct {
	Kind    core.Kind
	Name    string
	Version string
	// Source is SourceBuiltin or the plugin's file path.
	Source string
	// Protocols lists the protocol versions the plugin speaks.
	Protocols  []int
	Descriptor *core.Descriptor
}

// ID is "kind/name".
func (e Entry) ID() string { return string(e.Kind) + "/" + e.Name }

// Registry finds and starts plugins. It is safe for concurrent use.
type Registry struct {
	opts   Options
	lock   *Lock
	shmDir string // offered to plugins for large tensors; empty: none
}

// New returns a registry; it reads the lock file if one exists.
func New(opts Options) (*Registry, error) {
	if opts.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the ndalab binary: %w", err)
		}
		opts.Self = self
	}
	if opts.Path == nil {
		opts.Path = DefaultPath()
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Builtins == nil {
		opts.Builtins = builtin.All()
	}
	r := &Registry{opts: opts}
	if !opts.NoSharedMemory {
		r.shmDir = protocol.DefaultShmDir()
	}
	if opts.LockFile != "" {
		lock, err := ReadLock(opts.LockFile)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		r.lock = lock
	}
	return r, nil
}

// DefaultUserDir is the per-user plugin directory:
// $XDG_DATA_HOME/ndalab/plugins, else ~/.local/share/ndalab/plugins.
func DefaultUserDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "ndalab", "plugins")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".local", "share", "ndalab", "plugins")
}

// DefaultPath is NDALAB_PLUGIN_PATH's directories, then DefaultUserDir.
func DefaultPath() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("NDALAB_PLUGIN_PATH")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if d := DefaultUserDir(); d != "" {
		dirs = append(dirs, d)
	}
	return dirs
}

// candidate is an external plugin file found on the path.
type candidate struct {
	kind core.Kind
	name string
	path string
}

// ParseFileName splits "ndalab-KIND-NAME" into kind and name.
func ParseFileName(base string) (core.Kind, string, bool) {
	rest, ok := strings.CutPrefix(base, "ndalab-")
	if !ok {
		return "", "", false
	}
	for _, k := range core.AllKinds {
		if name, ok := strings.CutPrefix(rest, string(k)+"-"); ok && name != "" {
			return k, name, true
		}
	}
	return "", "", false
}

// scan lists external plugin files on the path. Two files that claim one
// kind and name are an error naming both, as is a file that shadows a
// built-in.
func (r *Registry) scan() ([]candidate, error) {
	seen := map[string]string{}
	for _, b := range r.opts.Builtins {
		seen[b.ID()] = "built-in " + b.ID() + " (" + r.opts.Self + ")"
	}
	var out []candidate
	for _, dir := range r.opts.Path {
		files, err := os.ReadDir(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("scan plugin directory %s: %w", dir, err)
		}
		for _, f := range files {
			kind, name, ok := ParseFileName(f.Name())
			if !ok || f.IsDir() {
				continue
			}
			path := filepath.Join(dir, f.Name())
			if info, err := os.Stat(path); err != nil || info.Mode()&0o111 == 0 {
				continue // not executable: a build leftover, a README
			}
			id := string(kind) + "/" + name
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("%w: plugin %s is provided twice: by %s and by %s",
					core.ErrInvalidArgument, id, prev, path)
			}
			seen[id] = path
			out = append(out, candidate{kind: kind, name: name, path: path})
		}
	}
	return out, nil
}

// List describes every plugin, built-in and external, sorted by kind and
// name. Built-ins are described in-process; each external plugin is started
// once to describe itself.
func (r *Registry) List(ctx context.Context) ([]Entry, error) {
	cands, err := r.scan()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, b := range r.opts.Builtins {
		d, err := b.New().Describe(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe built-in %s: %w", b.ID(), err)
		}
		out = append(out, Entry{Kind: d.Kind, Name: d.Name, Version: d.Version, Source: SourceBuiltin,
			Protocols: []int{core.ProtocolVersion}, Descriptor: d})
	}
	for _, c := range cands {
		p, err := r.start(ctx, c.kind, c.name, c.path, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Kind: p.Descriptor.Kind, Name: p.Descriptor.Name,
			Version: p.Descriptor.Version, Source: c.path, Protocols: []int{p.Protocol},
			Descriptor: p.Descriptor})
		p.Close()
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID(), b.ID()) })
	return out, nil
}

// Find returns the plugin called name, of any kind; ambiguous or unknown
// names are errors that say what exists.
func (r *Registry) Find(ctx context.Context, name string) (Entry, error) {
	all, err := r.List(ctx)
	if err != nil {
		return Entry{}, err
	}
	var hits []Entry
	for _, e := range all {
		if e.Name == name || e.ID() == name {
			hits = append(hits, e)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return Entry{}, fmt.Errorf("%w: no plugin named %q (ndalab plugins list shows them all)",
			core.ErrNotFound, name)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID()
	}
	return Entry{}, fmt.Errorf(
		"%w: %q is ambiguous: %s",
		core.ErrInvalidArgument,
		name,
		strings.Join(ids, ", "),
	)
}

// Start starts the plugin kind/name: the built-in if there is one, else the
// external file on the path.
func (r *Registry) Start(ctx context.Context, kind core.Kind, name string) (*Plugin, error) {
	id := string(kind) + "/" + name
	for _, b := range r.opts.Builtins {
		if b.ID() == id {
			return r.start(ctx, kind, name, r.opts.Self, []string{"plugin", "serve", id})
		}
	}
	cands, err := r.scan()
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if c.kind == kind && c.name == name {
			return r.start(ctx, kind, name, c.path, nil)
		}
	}
	return nil, fmt.Errorf(
		"%w: no %s plugin %q: not built in, and no ndalab-%s-%s on the plugin path %s",
		core.ErrNotFound,
		kind,
		name,
		kind,
		name,
		strings.Join(r.opts.Path, string(os.PathListSeparator)),
	)
}

// StartPath starts the plugin binary at path, whatever its file name; the
// kind comes from its descriptor. The lock file does not apply: this is for
// checking a binary before it is installed.
func (r *Registry) StartPath(ctx context.Context, path string) (*Plugin, error) {
	return r.launch(ctx, launchSpec{id: path, path: path})
}
