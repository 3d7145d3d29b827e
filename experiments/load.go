package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	stdmaps "maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/maps"
	"github.com/knadh/koanf/parsers/json"
	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/ndalab/ndalab/core"
)

// EnvPrefix starts the environment variables that override config keys:
// NDALAB_TRAIN__STEPS=100 sets train.steps (after the prefix: lower case,
// "__" between levels, single "_" kept). Variables whose first level is not
// an experiment key (NDALAB_LOG, NDALAB_PLUGIN_PATH, ...) belong to other
// parts of ndalab and are left alone.
const EnvPrefix = "NDALAB_"

// maxBaseDepth bounds "base:" chains; a longer one is almost surely a loop
// the visited set did not catch (symlinks).
const maxBaseDepth = 16

// layered is the merged config of a file, its bases and the overrides, as a
// koanf instance plus where each flat key came from.
type layered struct {
	k      *koanf.Koanf
	origin map[string]string // flat key -> "file.yaml", "--set", "env NDALAB_X"
	file   string            // the file the user named
}

// loadLayers reads path, the chain of files it extends, then the
// environment and --set overrides, in increasing priority.
func loadLayers(path string, environ, set []string) (*layered, error) {
	l := &layered{k: koanf.New("."), origin: map[string]string{}, file: path}
	if err := l.loadFile(path, nil); err != nil {
		return nil, err
	}
	if err := l.loadEnv(environ); err != nil {
		return nil, err
	}
	for _, kv := range set {
		if err := l.loadSet(kv); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// parserFor picks the parser by extension; YAML is the default.
func parserFor(path string) (koanf.Parser, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", "":
		return yaml.Parser(), nil
	case ".toml":
		return toml.Parser(), nil
	case ".json":
		return json.Parser(), nil
	}
	return nil, fmt.Errorf("%w: %s: unknown experiment file type %q (want .yaml, .toml or .json)",
		core.ErrInvalidArgument, path, filepath.Ext(path))
}

// loadFile merges the bases of path first (depth first), then path itself.
func (l *layered) loadFile(path string, chain []string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("experiment %s: %w", path, err)
	}
	if slices.Contains(chain, abs) || len(chain) > maxBaseDepth {
		return fmt.Errorf("%w: %s: base chain loops back (%s)",
			core.ErrInvalidArgument, path, strings.Join(append(chain, abs), " -> "))
	}
	parser, err := parserFor(path)
	if err != nil {
		return err
	}
	one := koanf.New(".")
	if err := one.Load(file.Provider(path), parser); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: experiment file %s does not exist", core.ErrNotFound, path)
		}
		return fmt.Errorf("%w: %s: parse: %v", core.ErrInvalidArgument, path, err)
	}

	// Dotted keys in a file ("matrix: {train.lambda: [...]}") become nested
	// maps, so that they merge with the same keys written nested.
	norm := koanf.New(".")
	if err := norm.Load(confmap.Provider(one.All(), "."), nil); err != nil {
		return fmt.Errorf("%w: %s: %v", core.ErrInvalidArgument, path, err)
	}
	one = norm

	if b := one.Get(keyBase); b != nil {
		base, ok := b.(string)
		if !ok || base == "" {
			return fmt.Errorf("%w: %s: key %q: want a file name, got %T (%v)",
				core.ErrInvalidArgument, path, keyBase, b, b)
		}
		if !filepath.IsAbs(base) {
			base = filepath.Join(filepath.Dir(path), base)
		}
		if err := l.loadFile(base, append(chain, abs)); err != nil {
			return fmt.Errorf("%s: base: %w", path, err)
		}
		one.Delete(keyBase)
	}
	return l.merge(one, path)
}

// merge lays src over the config so far and records origin for its keys.
// A key that src sets to a scalar or list drops whatever the lower layers
// had beneath it.
func (l *layered) merge(src *koanf.Koanf, origin string) error {
	for _, key := range src.Keys() {
		l.dropBelow(key)
		l.origin[key] = origin
	}
	return l.k.Merge(src)
}

// dropBelow deletes the keys nested under key, so that a scalar replaces a
// section instead of fighting with it.
func (l *layered) dropBelow(key string) {
	for _, k := range l.k.Keys() {
		if strings.HasPrefix(k, key+".") {
			l.k.Delete(k)
			delete(l.origin, k)
		}
	}
}

// loadEnv applies NDALAB_* variables whose first level is an experiment key.
func (l *layered) loadEnv(environ []string) error {
	top := knownUnder(schema(), "")
	vals := map[string]any{}
	names := map[string]string{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		rest, hasPrefix := strings.CutPrefix(name, EnvPrefix)
		if !ok || !hasPrefix || rest == "" {
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(rest), "__", ".")
		first, _, _ := strings.Cut(key, ".")
		if !slices.Contains(top, first) {
			continue
		}
		vals[key] = parseValue(val)
		names[key] = "environment " + name
	}
	for _, key := range slices.Sorted(stdmaps.Keys(vals)) {
		one := koanf.New(".")
		if err := one.Load(confmap.Provider(map[string]any{key: vals[key]}, "."), nil); err != nil {
			return fmt.Errorf("%w: %s: %v", core.ErrInvalidArgument, names[key], err)
		}
		if err := l.merge(one, names[key]); err != nil {
			return fmt.Errorf("%w: %s: %v", core.ErrInvalidArgument, names[key], err)
		}
	}
	return nil
}

// loadSet applies one --set key=value.
func (l *layered) loadSet(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("%w: --set %q: want key=value", core.ErrInvalidArgument, kv)
	}
	one := koanf.New(".")
	if err := one.Load(confmap.Provider(map[string]any{key: parseValue(val)}, "."),
		nil); err != nil {
		return fmt.Errorf("%w: --set %s: %v", core.ErrInvalidArgument, kv, err)
	}
	return l.merge(one, "--set "+kv)
}

// parseValue reads an override as a YAML value, so "0.5", "[1, 2]" and
// "{name: jigsaw}" mean what they would in a file; anything YAML cannot read
// stays a string.
func parseValue(s string) any {
	var v any
	if err := yamlv3.Unmarshal([]byte(s), &v); err != nil || v == nil {
		return s
	}
	if m, ok := v.(map[string]any); ok {
		maps.IntfaceKeysToStrings(m)
	}
	return v
}

// where names the origin of a key for error messages.
func (l *layered) where(key string) string {
	if o, ok := l.origin[key]; ok {
		return o
	}
	for k, o := range l.origin {
		if strings.HasPrefix(k, key+".") {
			return o
		}
	}
	return l.file
}
