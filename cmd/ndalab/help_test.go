package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		var stderr bytes.Buffer
		e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		err := c.run(t.Context(), e, []string{"--help"})
		if err != nil && !strings.Contains(err.Error(), "help requested") {
			t.Errorf("%s --help: %v", c.name, err)
		}
		if !strings.Contains(stderr.String(), "usage: ndalab "+c.name) {
			t.Errorf("%s --help printed no usage line:\n%s", c.name, stderr.String())
		}
	}
}

// Subcommands that dispatch further take --help at every level.
func TestSubcommandsHaveHelp(t *testing.T) {
	cases := [][]string{
		{"plugins", "list"}, {"plugins", "describe"}, {"plugins", "check"},
		{"plugins", "lock"}, {"plugins", "new"},
		{"results", "runs"}, {"results", "show"}, {"results", "table"},
		{"results", "compare"}, {"results", "export"}, {"results", "merge"}, {"results", "plot"},
		{"data", "fetch"}, {"augment", "preview"}, {"bench", "gan"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), append(c, "--help"), &stdout, &stderr)
		if err != nil && !strings.Contains(err.Error(), "help requested") {
			t.Errorf("%v --help: %v", c, err)
		}
		if !strings.Contains(stderr.String(), "usage: ndalab "+strings.Join(c, " ")) {
			t.Errorf("%v --help printed no usage line:\n%s", c, stderr.String())
		}
	}
}
