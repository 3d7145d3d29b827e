package main

import (
	"flag"
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

// parseArgs parses flags wherever they stand among the positional
// arguments, so `ndalab run FILE --db x.db` works as people type it. The
// positional arguments end up in fs.Args(); "--" ends flag parsing.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
