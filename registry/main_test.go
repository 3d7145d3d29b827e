package registry_test

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/registry"
)

// bins holds the binaries TestMain builds: the ndalab command (which serves
// the built-ins), the example plugin, and the faulty plugin under each of
// its fault names.
var bins struct {
	ndalab  string
	plugins string // directory with ndalab-augmentation-invert
	faulty  string // directory with ndalab-augmentation-{ok,crash,...}
}

var faults = []string{"ok", "crash", "stdout", "hang", "v2", "spawn"}

func TestMain(m *testing.M) {
	flag.Parse()
	// Host mode: this test binary acts as an ndalab host for the tests that
	// kill or interrupt a host.
	if path := os.Getenv("NDALAB_TEST_HOST_PLUGIN"); path != "" {
		os.Exit(hostMain(path))
	}
	dir, err := os.MkdirTemp("", "ndalab-registry-test")
	if err != nil {
		log.Fatal(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := buildAll(dir); err != nil {
			log.Print(err)
			return 1
		}
		if err := writeFixtures(dir); err != nil {
			log.Print(err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func buildAll(dir string) error {
	bins.ndalab = filepath.Join(dir, "ndalab")
	bins.plugins = filepath.Join(dir, "plugins")
	bins.faulty = filepath.Join(dir, "faulty")
	for _, d := range []string{bins.plugins, bins.faulty} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	builds := [][2]string{
		{bins.ndalab, "../cmd/ndalab"},
		{filepath.Join(bins.plugins, "ndalab-augmentation-invert"), "../plugins/examples/invert"},
		{filepath.Join(bins.faulty, "ndalab-augmentation-ok"), "./testdata/faulty"},
	}
	for _, b := range builds {
		out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	src := filepath.Join(bins.faulty, "ndalab-augmentation-ok")
	for _, mode := range faults[1:] {
		if err := os.Link(src, filepath.Join(bins.faulty, "ndalab-augmentation-"+mode)); err != nil {
			return err
		}
	}
	return nil
}

// hostMain starts the plugin at path, prints its pid, and waits for SIGINT
// (then closes it, as ndalab does) or to be killed.
func hostMain(path string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	reg, err := registry.New(registry.Options{Self: path, Path: []string{}})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	p, err := reg.StartPath(ctx, path)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer p.Close()
	fmt.Printf("pid=%d\n", p.Pid())
	<-ctx.Done()
	return 0
}

// newRegistry returns a registry over the test binaries. Extra directories
// go on the plugin path after the example plugin's.
func newRegistry(t *testing.T, opts registry.Options) *registry.Registry {
	t.Helper()
	if opts.Self == "" {
		opts.Self = bins.ndalab
	}
	if opts.Path == nil {
		opts.Path = []string{bins.plugins}
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 5 * time.Second
	}
	r, err := registry.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// alive reports whether pid runs (a zombie counts as gone: it has exited
// and only waits for its parent).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// waitGone fails the test unless pid is gone within the timeout.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still runs", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testBatch(n int) *core.Batch {
	b := core.NewBatch(n, 3, 32, 32)
	for i := range b.Data {
		b.Data[i] = float32(i%200)/100 - 1
	}
	b.Labels = make([]int32, n)
	return b
}
