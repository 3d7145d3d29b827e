package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ndalab/ndalab/results"
)

// toyExperiment is a small toy2d GAN matrix; extra is appended to its
// matrix's augmentation list.
func toyExperiment(steps int, extra string) string {
	ring := "{layout: ring, modes: 8, radius: 0.8, std: 0.02}"
	return fmt.Sprintf(`
name: toy
task: gan
dataset: {name: toy2d, params: %[1]s}
model: {name: mlp-gan}
train: {steps: %[2]d, batch_size: 64, lambda: 0.5}
eval: {every: %[3]d, samples: 500, grid: 200}
metrics: [{name: nda-region, params: %[1]s}]
matrix:
  augmentation:
    - {name: none}
    - {name: toy2d-forbidden, params: %[1]s}%[4]s
`, ring, steps, steps/2, extra)
}

// leftovers lists running processes whose command line mentions path.
func leftovers(path string) []string {
	var out []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), path) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "stat"))
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue // exited, waiting to be reaped
		}
		out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
	}
	return out
}

func runsByStatus(t *testing.T, db string) map[string][]*results.Run {
	t.Helper()
	st, err := results.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), results.RunFilter{Experiment: "toy"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*results.Run{}
	for _, r := range runs {
		out[r.Status] = append(out[r.Status], r)
	}
	return out
}

// buildCrashPlugin builds an augmentation plugin called crash, which panics
// in the middle of Apply, into a folder under dir for NDALAB_PLUGIN_PATH,
// and returns the folder.
func buildCrashPlugin(t *testing.T, dir string) string {
	t.Helper()
	plugins := filepath.Join(dir, "plugins")
	build := exec.Command("go", "build", "-o", filepath.Join(plugins, "ndalab-augmentation-crash"),
		"../../registry/testdata/faulty")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the crashing plugin: %v\n%s", err, out)
	}
	return plugins
}

// A matrix runs through real plugin processes into SQLite; a plugin that
// crashes mid-run fails only its cell, and nothing is left running.
func TestRunThroughRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three toy GANs through plugin processes")
	}
	dir := t.TempDir()
	bin := buildNdalab(t)
	plugins := buildCrashPlugin(t, dir)
	exp := filepath.Join(dir, "toy.yaml")
	os.WriteFile(exp, []byte(toyExperiment(60, "\n    - {name: crash}")), 0o644)
	db := filepath.Join(dir, "toy.db")

	cmd := exec.Command(bin, "run", exp, "--db", db, "--out", filepath.Join(dir, "out"), "--no-table")
	cmd.Env = append(os.Environ(), "NDALAB_PLUGIN_PATH="+plugins)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a run with a crashing plugin exited 0:\n%s", out)
	}

	byStatus := runsByStatus(t, db)
	if len(byStatus[results.StatusFinished]) != 2 || len(byStatus[results.StatusFailed]) != 1 {
		t.Fatalf("want 2 finished and 1 failed run, got %v\n%s", byStatus, out)
	}
	failed := byStatus[results.StatusFailed][0]
	for _, want := range []string{"augmentation/crash", "exited", "about to crash"} {
		if !strings.Contains(failed.Error, want) {
			t.Errorf("failed run's error lacks %q: %s", want, failed.Error)
		}
	}
	if left := append(leftovers(dir), leftovers(bin)...); len(left) > 0 {
		t.Errorf("processes left behind: %q", left)
	}
}

// When every cell fails, run reports the failures and no table: an error
// about metrics nobody recorded would only bury them.
func TestRunWhereEveryCellFails(t *testing.T) {
	if testing.Short() {
		t.Skip("starts plugin processes")
	}
	dir := t.TempDir()
	bin := buildNdalab(t)
	plugins := buildCrashPlugin(t, dir)
	exp := filepath.Join(dir, "toy.yaml")
	yaml, _, _ := strings.Cut(toyExperiment(20, ""), "    - {name: none}")
	// Two cells, so that the table would have rows.
	os.WriteFile(exp, []byte(yaml+"    - {name: crash}\n  train.lambda: [0.25, 0.5]\n"), 0o644)

	cmd := exec.Command(bin, "run", exp, "--db", filepath.Join(dir, "toy.db"),
		"--out", filepath.Join(dir, "out"))
	cmd.Env = append(os.Environ(), "NDALAB_PLUGIN_PATH="+plugins)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a run whose only cell crashed exited 0:\n%s", out)
	}
	if !strings.Contains(string(out), "2 cells: 2 failed") {
		t.Errorf("output lacks the failure count:\n%s", out)
	}
	if strings.Contains(string(out), "table") {
		t.Errorf("output mentions a table although nothing finished:\n%s", out)
	}
}

// SIGINT stops a run cleanly through real processes; running again resumes
// the interrupted run under its ID and finishes every cell once.
func TestInterruptAndResumeThroughRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains toy GANs through plugin processes")
	}
	dir := t.TempDir()
	bin := buildNdalab(t)
	exp := filepath.Join(dir, "toy.yaml")
	os.WriteFile(exp, []byte(toyExperiment(1000, "")), 0o644)
	db := filepath.Join(dir, "toy.db")
	args := []string{"run", exp, "--db", db, "--out", filepath.Join(dir, "out"), "--no-table"}

	first := exec.Command(bin, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the first run has recorded some steps.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && len(runsByStatusQuiet(db)[results.StatusRunning]) == 0 {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	first.Process.Signal(syscall.SIGINT)
	first.Wait()
	if left := leftovers(bin); len(left) > 0 {
		t.Errorf("processes left after SIGINT: %q", left)
	}
	interrupted := runsByStatus(t, db)[results.StatusInterrupted]
	if len(interrupted) != 1 {
		t.Fatalf("want one interrupted run, got %v", runsByStatus(t, db))
	}

	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	byStatus := runsByStatus(t, db)
	if len(byStatus[results.StatusFinished]) != 2 || len(byStatus) != 1 {
		t.Fatalf("after resuming: %v, want exactly 2 finished runs", byStatus)
	}
	resumed := false
	for _, r := range byStatus[results.StatusFinished] {
		resumed = resumed || r.ID == interrupted[0].ID
	}
	if !resumed {
		t.Errorf("run %s was not resumed under its ID", interrupted[0].ID)
	}
}

// runsByStatusQuiet is runsByStatus for polling: errors read as no runs.
func runsByStatusQuiet(db string) map[string][]*results.Run {
	out := map[string][]*results.Run{}
	if _, err := os.Stat(db); err != nil {
		return out
	}
	st, err := results.Open(context.Background(), db)
	if err != nil {
		return out
	}
	defer st.Close()
	runs, _ := st.Runs(context.Background(), results.RunFilter{Experiment: "toy"})
	for _, r := range runs {
		out[r.Status] = append(out[r.Status], r)
	}
	return out
}

// Two `ndalab run` of one file on one database share the cells: each
// leaves the cell the other is running to it, saying whose it is, and
// every cell runs once.
func TestTwoRunsShareCells(t *testing.T) {
	if testing.Short() {
		t.Skip("trains toy GANs through plugin processes")
	}
	dir := t.TempDir()
	bin := buildNdalab(t)
	exp := filepath.Join(dir, "toy.yaml")
	os.WriteFile(exp, []byte(toyExperiment(400, "")), 0o644)
	db := filepath.Join(dir, "toy.db")
	args := []string{"run", exp, "--db", db, "--out", filepath.Join(dir, "out"), "--no-table"}

	first := exec.Command(bin, args...)
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && len(runsByStatusQuiet(db)[results.StatusRunning]) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	secondOut, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, secondOut)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstOut.String())
	}

	byStatus := runsByStatus(t, db)
	if len(byStatus[results.StatusFinished]) != 2 || len(byStatus) != 1 {
		t.Fatalf("want exactly 2 finished runs, got %v\nfirst:\n%s\nsecond:\n%s", byStatus,
			firstOut.String(), secondOut)
	}
	held := fmt.Sprintf("left to another process: run %s is held by %d@",
		byStatus[results.StatusFinished][0].ID, first.Process.Pid)
	t.Logf("second run:\n%s", secondOut)
	if !strings.Contains(string(secondOut), held) {
		t.Errorf("the second run's output lacks %q:\n%s", held, secondOut)
	}
}
