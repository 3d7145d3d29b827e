package main

import (
	"fmt"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// setFlags collects repeated --set key=value flags.
type setFlags []string

func (s *setFlags) String() string { return strings.Join(*s, " ") }

func (s *setFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

// config returns the pairs as a Config of strings; Descriptor.Resolve
// converts each to its declared type.
func (s setFlags) config() core.Config {
	cfg := core.Config{}
	for _, kv := range s {
		k, v, _ := strings.Cut(kv, "=")
		cfg[strings.TrimSpace(k)] = v
	}
	return cfg
}
