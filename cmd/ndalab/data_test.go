package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
)

func TestDataFetchFrom(t *testing.T) {
	tmp := t.TempDir()
	fake := filepath.Join(tmp, "cifar-10-binary.tar.gz")
	if err := os.WriteFile(fake, []byte("not the official tarball"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The command checks the pinned sums: a file that is not the official
	// tarball is refused, by name, and nothing lands in the data directory.
	tests := []struct {
		args []string
		kind error
		want string
	}{
		{[]string{"fetch", "cifar10", "--from", fake, "--data-dir", tmp}, core.ErrInvalidArgument,
			fake + ": md5"},
		{[]string{"fetch", "--from", filepath.Join(tmp, "absent.tar.gz"), "--data-dir", tmp,
			"cifar100"}, core.ErrNotFound, "absent.tar.gz"},
		{[]string{"fetch", "--from", fake, "--data-dir", tmp, "mnist"}, core.ErrInvalidArgument,
			"not unpacked from an archive"},
		{[]string{"fetch", "--from", fake, "--data-dir", tmp, "cifar10", "cifar100"}, nil,
			"the one data set"},
	}
	for _, tt := range tests {
		e, _, _ := testEnv()
		err := cmdData(t.Context(), e, tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) ||
			(tt.kind != nil && !errors.Is(err, tt.kind)) {
			t.Errorf("data %v: error %v, want %v naming %q", tt.args, err, tt.kind, tt.want)
		}
	}
	for _, name := range []string{"cifar10", "cifar100"} {
		if _, err := os.Stat(filepath.Join(tmp, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused fetch created %s", filepath.Join(tmp, name))
		}
	}

	// A data set already in place is left alone; the tarball is not read.
	e, _, stderr := testEnv()
	entry, _ := datadir.Lookup("cifar10")
	for _, f := range entry.Files {
		path := filepath.Join(tmp, "cifar10", f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("kept"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"fetch", "cifar10", "--data-dir", tmp, "--from", filepath.Join(tmp, "none")}
	if err := cmdData(t.Context(), e, args); err != nil {
		t.Fatalf("fetch of a data set in place: %v", err)
	}
	if !strings.Contains(stderr.String(), "cifar10: ready in") {
		t.Fatalf("stderr %q, want the ready line", stderr)
	}
	kept, _ := os.ReadFile(filepath.Join(tmp, "cifar10", entry.Files[0].Name))
	if string(kept) != "kept" {
		t.Fatalf("%s was replaced", entry.Files[0].Name)
	}
}
