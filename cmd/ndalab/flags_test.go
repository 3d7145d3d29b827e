package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestParseArgsTakesFlagsAnywhere(t *testing.T) {
	cases := []struct {
		args     []string
		wantPos  []string
		wantDB   string
		wantFast bool
	}{
		{[]string{"exp.yaml"}, []string{"exp.yaml"}, "", false},
		{[]string{"--fail-fast", "exp.yaml"}, []string{"exp.yaml"}, "", true},
		{[]string{"exp.yaml", "--db", "x.db", "--fail-fast"}, []string{"exp.yaml"}, "x.db", true},
		{[]string{"a", "--db=x.db", "b"}, []string{"a", "b"}, "x.db", false},
		{[]string{"--", "--not-a-flag"}, []string{"--not-a-flag"}, "", false},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		db := fs.String("db", "", "")
		fast := fs.Bool("fail-fast", false, "")
		if err := parseArgs(fs, c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !slices.Equal(fs.Args(), c.wantPos) || *db != c.wantDB || *fast != c.wantFast {
			t.Errorf("%v: positional %v db %q fail-fast %v", c.args, fs.Args(), *db, *fast)
		}
	}
}
