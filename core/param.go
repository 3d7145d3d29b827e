package core

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ParamType is a parameter's declared type.
type ParamType string

// The parameter types. Values are converted to their declared type before
// use and before hashing, so 0.25, "0.25" and 2.5e-1 agree.
const (
	TypeInt     ParamType = "int"
	TypeFloat   ParamType = "float"
	TypeBool    ParamType = "bool"
	TypeString  ParamType = "string"
	TypeStrings ParamType = "strings" // a list of strings
)

// Param declares one configuration key of a component.
type Param struct {
	Name    string
	Type    ParamType
	Default any    // nil means required
	Doc     string // one line
	// Enum, when set, lists the allowed values of a string (or strings) param.
	Enum []string
	// Min and Max, when set, bound an int or float param (inclusive).
	Min, Max *float64
}

// Required reports whether the param has no default.
func (p Param) Required() bool { return p.Default == nil }

// Bound returns a pointer to v, for Param.Min and Param.Max.
func Bound(v float64) *float64 { return &v }

func (p Param) validate() error {
	switch p.Type {
	case TypeInt, TypeFloat, TypeBool, TypeString, TypeStrings:
	default:
		return fmt.Errorf("%w: parameter %q has unknown type %q", ErrInvalidArgument, p.Name, p.Type)
	}
	if p.Default != nil {
		if _, err := p.Convert(p.Default); err != nil {
			return fmt.Errorf("default of %w", err)
		}
	}
	return nil
}

// Convert turns v into the param's type (int64, float64, bool, string or
// []string) and checks enum and bounds. The error names the parameter.
func (p Param) Convert(v any) (any, error) {
	out, err := convert(p.Type, v)
	if err != nil {
		return nil, fmt.Errorf("%w: parameter %q: %v", ErrInvalidArgument, p.Name, err)
	}
	if err := p.check(out); err != nil {
		return nil, fmt.Errorf("%w: parameter %q: %v", ErrInvalidArgument, p.Name, err)
	}
	return out, nil
}

func (p Param) check(v any) error {
	var num float64
	switch x := v.(type) {
	case int64:
		num = float64(x)
	case float64:
		num = x
	case string:
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, x) {
			return fmt.Errorf("%q is not one of %s", x, strings.Join(p.Enum, ", "))
		}
		return nil
	case []string:
		for _, s := range x {
			if len(p.Enum) > 0 && !slices.Contains(p.Enum, s) {
				return fmt.Errorf("%q is not one of %s", s, strings.Join(p.Enum, ", "))
			}
		}
		return nil
	default:
		return nil
	}
	if p.Min != nil && num < *p.Min {
		return fmt.Errorf("%v is below the minimum %v", v, *p.Min)
	}
	if p.Max != nil && num > *p.Max {
		return fmt.Errorf("%v is above the maximum %v", v, *p.Max)
	}
	return nil
}

func convert(t ParamType, v any) (any, error) {
	switch t {
	case TypeInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("want an integer, got %v", x)
			}
			return int64(x), nil
		case json.Number:
			return convert(t, string(x))
		case string:
			if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return i, nil
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("want an integer, got %q", x)
			}
			return convert(t, f)
		}
	case TypeFloat:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float32:
			return float64(x), nil
		case float64:
			return x, nil
		case json.Number:
			return convert(t, string(x))
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("want a number, got %q", x)
			}
			return f, nil
		}
	case TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("want true or false, got %q", x)
			}
			return b, nil
		}
	case TypeString:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return string(x), nil
		}
	case TypeStrings:
		switch x := v.(type) {
		case []string:
			return slices.Clone(x), nil
		case string:
			if x == "" {
				return []string{}, nil
			}
			parts := strings.Split(x, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			return parts, nil
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, item %d is %T", i, e)
				}
				out[i] = s
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("want %s, got %T (%v)", t, v, v)
}

// Resolve checks cfg against the descriptor's parameters: unknown keys,
// missing required values and wrong types are errors naming the component
// and the key. It returns a new Config holding every declared parameter,
// converted to its type, with defaults filled in.
func (d *Descriptor) Resolve(cfg Config) (Config, error) {
	var unknown []string
	for k := range cfg {
		if _, ok := d.Param(k); !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, len(d.Params))
		for i, p := range d.Params {
			known[i] = p.Name
		}
		return nil, fmt.Errorf("%w: %s: unknown parameter %q (known: %s)",
			ErrInvalidArgument, d.ID(), unknown[0], strings.Join(known, ", "))
	}
	out := make(Config, len(d.Params))
	for _, p := range d.Params {
		v, ok := cfg[p.Name]
		if !ok {
			if p.Required() {
				return nil, fmt.Errorf("%w: %s: parameter %q (%s) is required: %s",
					ErrInvalidArgument, d.ID(), p.Name, p.Type, p.Doc)
			}
			v = p.Default
		}
		conv, err := p.Convert(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID(), err)
		}
		out[p.Name] = conv
	}
	return out, nil
}
