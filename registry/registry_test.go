package registry_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
	"github.com/ndalab/ndalab/registry"
)

func TestListFindsBuiltinsAndExternals(t *testing.T) {
	reg := newRegistry(t, registry.Options{})
	entries, err := reg.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"augmentation/invert": filepath.Join(bins.plugins, "ndalab-augmentation-invert"),
	}
	for _, b := range builtin.All() {
		want[b.ID()] = registry.SourceBuiltin
	}
	for i, e := range entries {
		if i > 0 && entries[i-1].ID() >= e.ID() {
			t.Errorf("not sorted: %s before %s", entries[i-1].ID(), e.ID())
		}
		src, ok := want[e.ID()]
		if !ok {
			t.Errorf("unexpected plugin %s", e.ID())
			continue
		}
		if e.Source != src {
			t.Errorf("%s: source %q, want %q", e.ID(), e.Source, src)
		}
		delete(want, e.ID())
	}
	for id := range want {
		t.Errorf("missing plugin %s", id)
	}
}

func TestNameClashNamesBothFiles(t *testing.T) {
	other := t.TempDir()
	clash := filepath.Join(other, "ndalab-augmentation-invert")
	if err := os.Link(filepath.Join(bins.plugins, "ndalab-augmentation-invert"), clash); err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, registry.Options{Path: []string{bins.plugins, other}})
	_, err := reg.List(context.Background())
	if err == nil {
		t.Fatal("a clash was accepted")
	}
	for _, want := range []string{filepath.Join(bins.plugins, "ndalab-augmentation-invert"), clash} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestErrorKindsSurviveTheProcessBoundary(t *testing.T) {
	reg := newRegistry(t, registry.Options{})
	p, err := reg.Start(context.Background(), core.KindAugmentation, "invert")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	aug := p.Component.(core.Augmentation)
	_, err = aug.Apply(
		context.Background(),
		core.AugmentRequest{Config: core.Config{"p": "lots"}},
		testBatch(2),
	)
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("want an invalid-argument error, got %v", err)
	}
	for _, want := range []string{"augmentation/invert", `"p"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestExternalPluginPassesConformanceAsProcess(t *testing.T) {
	reg := newRegistry(t, registry.Options{})
	p, err := reg.Start(context.Background(), core.KindAugmentation, "invert")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	plugintest.Fail(t, plugintest.Check(context.Background(), p.Component, plugintest.Options{}))
}

// Every built-in, served by the ndalab binary as a real process, passes
// the conformance kit.
func TestBuiltinsPassConformanceAsProcesses(t *testing.T) {
	reg := newRegistry(t, registry.Options{})
	for _, b := range builtin.All() {
		t.Run(b.ID(), func(t *testing.T) {
			p, err := reg.Start(context.Background(), b.Kind, b.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				p.Close()
				waitGone(t, p.Pid(), b.ID())
			}()
			plugintest.Fail(
				t,
				plugintest.Check(context.Background(), p.Component, conformanceOptions(b)),
			)
		})
	}
}

func TestLockRefusesChangedBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ndalab-augmentation-invert")
	copyFile(t, filepath.Join(bins.plugins, "ndalab-augmentation-invert"), bin)
	lock := filepath.Join(dir, "ndalab-plugins.lock")

	reg := newRegistry(t, registry.Options{Path: []string{dir}})
	if _, err := reg.WriteLock(context.Background(), lock); err != nil {
		t.Fatal(err)
	}
	locked := newRegistry(t, registry.Options{Path: []string{dir}, LockFile: lock})
	p, err := locked.Start(context.Background(), core.KindAugmentation, "invert")
	if err != nil {
		t.Fatalf("unchanged binary refused: %v", err)
	}
	p.Close()

	// Append a byte: the binary still runs, but is no longer the one pinned.
	f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	_, err = locked.Start(context.Background(), core.KindAugmentation, "invert")
	if !errors.Is(err, core.ErrFailedPrecondition) || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("want a checksum refusal, got %v", err)
	}
	if !strings.Contains(err.Error(), "augmentation/invert") {
		t.Errorf("error does not name the plugin: %v", err)
	}
}

func TestLockRefusesUnlockedPlugin(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "ndalab-plugins.lock")
	reg := newRegistry(t, registry.Options{Path: []string{dir}})
	if _, err := reg.WriteLock(context.Background(), lock); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(bins.plugins, "ndalab-augmentation-invert"),
		filepath.Join(dir, "ndalab-augmentation-invert"))
	locked := newRegistry(t, registry.Options{Path: []string{dir}, LockFile: lock})
	_, err := locked.Start(context.Background(), core.KindAugmentation, "invert")
	if err == nil || !strings.Contains(err.Error(), "not in the lock file") {
		t.Fatalf("want a not-locked refusal, got %v", err)
	}
}

// Each fault gives one clear error naming the plugin and the cause, leaves
// no process behind, and the host keeps working.
func TestFaultsAtStart(t *testing.T) {
	cases := []struct {
		mode  string
		cause string
	}{
		{"stdout", "wrote to stdout before its handshake"},
		{"hang", "did not finish starting in time"},
		{"v2", "speaks no protocol version this ndalab speaks"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			reg := newRegistry(
				t,
				registry.Options{Path: []string{bins.faulty}, StartTimeout: 2 * time.Second},
			)
			before := children()
			_, err := reg.Start(context.Background(), core.KindAugmentation, c.mode)
			if err == nil {
				t.Fatal("the faulty plugin started")
			}
			for _, want := range []string{"augmentation/" + c.mode, c.cause} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
			for _, pid := range newPids(before, children()) {
				waitGone(t, pid, "faulty plugin "+c.mode)
			}
			assertHostWorks(t, reg)
		})
	}
}

func TestCrashMidCall(t *testing.T) {
	reg := newRegistry(t, registry.Options{Path: []string{bins.faulty}})
	p, err := reg.Start(context.Background(), core.KindAugmentation, "crash")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.Component.(core.Augmentation).Apply(
		context.Background(),
		core.AugmentRequest{},
		testBatch(4),
	)
	if !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("want an unavailable error, got %v", err)
	}
	for _, want := range []string{"augmentation/crash", "exited: exit status 2", "about to crash"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	waitGone(t, p.Pid(), "crashed plugin")
	assertHostWorks(t, reg)
}

func TestCloseKillsWholeProcessGroup(t *testing.T) {
	reg := newRegistry(t, registry.Options{Path: []string{bins.faulty}})
	p, err := reg.Start(context.Background(), core.KindAugmentation, "spawn")
	if err != nil {
		t.Fatal(err)
	}
	grandchild := descendants(p.Pid())
	if len(grandchild) == 0 {
		t.Fatal("the plugin's child process was not found")
	}
	p.Close()
	waitGone(t, p.Pid(), "plugin")
	for _, pid := range grandchild {
		waitGone(t, pid, "plugin's child")
	}
}

// A host that is killed with SIGKILL, or interrupted, leaves no plugin.
func TestNoOrphansWhenHostDies(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "NDALAB_TEST_HOST_PLUGIN="+
				filepath.Join(bins.plugins, "ndalab-augmentation-invert"))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "pid=") {
				cmd.Process.Kill()
				t.Fatalf("host said %q, %v", line, err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid=")))
			if !alive(pid) {
				t.Fatalf("plugin %d is not running", pid)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			waitGone(t, pid, "plugin of a "+sig.String()+" host")
		})
	}
}

func assertHostWorks(t *testing.T, reg *registry.Registry) {
	t.Helper()
	p, err := reg.Start(context.Background(), core.KindAugmentation, "invert")
	if err != nil {
		// The faulty directory holds no invert; use a fresh registry.
		p, err = newRegistry(
			t,
			registry.Options{},
		).Start(context.Background(), core.KindAugmentation, "invert")
	}
	if err != nil {
		t.Fatalf("host cannot start a good plugin after the fault: %v", err)
	}
	defer p.Close()
	if _, err := p.Component.(core.Augmentation).Apply(context.Background(),
		core.AugmentRequest{Config: core.Config{}}, testBatch(2)); err != nil {
		t.Fatalf("good plugin failed after the fault: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// children lists this process's child pids.
func children() map[int]bool {
	out := map[int]bool{}
	for _, pid := range descendants(os.Getpid()) {
		out[pid] = true
	}
	return out
}

func newPids(before, after map[int]bool) []int {
	var out []int
	for pid := range after {
		if !before[pid] {
			out = append(out, pid)
		}
	}
	return out
}

// descendants lists the direct children of pid, from /proc.
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range tasks {
		stat, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			out = append(out, child)
		}
	}
	return out
}
