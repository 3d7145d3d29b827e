package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildNdalab builds the command once per test binary run.
func buildNdalab(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "ndalab")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.sourceDir="+root, "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ndalab runs the binary and returns stdout, failing the test on error.
func ndalab(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ndalab %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String()
}

// The path a new user takes: scaffold, go build, list, check.
func TestScaffoldBuildListCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four plugin modules")
	}
	bin := buildNdalab(t)
	for _, kind := range []string{"augmentation", "dataset", "model", "metric"} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plugin")
			name := "my-" + kind
			ndalab(t, bin, nil, "plugins", "new", kind, name, "--dir", dir)

			exe := "ndalab-" + kind + "-" + name
			build := exec.Command("go", "build", "-o", exe, ".")
			build.Dir = dir
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build of the scaffold: %v\n%s", err, out)
			}

			env := []string{"NDALAB_PLUGIN_PATH=" + dir}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(ndalab(t, bin, env, "plugins", "list", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range rows {
				for _, key := range []string{"kind", "name", "version", "source"} {
					if _, ok := r[key]; !ok {
						t.Errorf("plugins list --json row lacks %q: %v", key, r)
					}
				}
				if r["name"] == name && r["kind"] == kind && r["source"] == filepath.Join(dir, exe) {
					found = true
				}
			}
			if !found {
				t.Fatalf("plugins list does not show %s/%s: %v", kind, name, rows)
			}
			out := ndalab(t, bin, nil, "plugins", "check", filepath.Join(dir, exe))
			if !strings.Contains(out, "checks passed") {
				t.Errorf("plugins check:\n%s", out)
			}
		})
	}
}
