package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Config holds a component's parameters by name. After Descriptor.Resolve
// every value has its declared Go type (int64, float64, bool, string,
// []string) and the typed getters below never fail for declared keys.
type Config map[string]any

// Int returns key as an int; it panics if the key was not resolved as an int,
// which is a bug in the component (its descriptor and code disagree).
func (c Config) Int(key string) int { return int(get[int64](c, key)) }

// Float returns key as a float64.
func (c Config) Float(key string) float64 { return get[float64](c, key) }

// Bool returns key as a bool.
func (c Config) Bool(key string) bool { return get[bool](c, key) }

// String returns key as a string.
func (c Config) String(key string) string { return get[string](c, key) }

// Strings returns key as a list of strings.
func (c Config) Strings(key string) []string { return get[[]string](c, key) }

func get[T any](c Config, key string) T {
	v, ok := c[key].(T)
	if !ok {
		var zero T
		panic(fmt.Sprintf("core.Config: key %q is %T, not %T: resolve the config first", key, c[key], zero))
	}
	return v
}

// MarshalCanonical encodes c as JSON with sorted keys, the form that crosses
// the plugin boundary and that identities hash.
func (c Config) MarshalCanonical() ([]byte, error) {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(c[k])
		if err != nil {
			return nil, fmt.Errorf("encode config key %q: %w", k, err)
		}
		buf = append(append(append(buf, kb...), ':'), vb...)
	}
	return append(buf, '}'), nil
}

// UnmarshalConfig decodes JSON into a Config, keeping numbers exact as
// json.Number so Resolve can convert them to their declared types.
func UnmarshalConfig(data []byte) (Config, error) {
	c := Config{}
	if len(data) == 0 {
		return c, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: decode config: %v", ErrInvalidArgument, err)
	}
	return c, nil
}
