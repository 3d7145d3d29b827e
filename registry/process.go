package registry

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol"
)

// stderrLines is how many of a plugin's last stderr lines an error quotes.
const stderrLines = 12

// exitWait bounds how long a failed call waits for a dying plugin to exit,
// so that its error can say how it ended.
const exitWait = time.Second

// stderrGrace lets a dead plugin's last stderr lines arrive before an error
// quotes them.
const stderrGrace = 50 * time.Millisecond

// Plugin is a started plugin process. Close it when done; Close is
// idempotent and kills the plugin's whole process group.
type Plugin struct {
	// ID is "kind/name", or the binary's path for StartPath.
	ID         string
	Path       string // the executable
	SHA256     string // hex sum of the executable
	Protocol   int    // negotiated protocol version
	Descriptor *core.Descriptor
	// Component is a core.Dataset, core.Augmentation, core.Model (with
	// Generator, Scorer and Embedder) or core.Metric, per Descriptor.Kind.
	Component core.Component

	client *plugin.Client
	cmd    *exec.Cmd
	pid    int
	stderr *tail
	shm    *protocol.ShmPool // nil when tensors travel in-band
	once   sync.Once
}

// Pid is the plugin's process id.
func (p *Plugin) Pid() int { return p.pid }

// Close stops the plugin: a graceful shutdown, then SIGKILL to its process
// group so that nothing it started outlives it.
func (p *Plugin) Close() error {
	p.once.Do(func() {
		p.client.Kill()
		if p.pid > 0 {
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		}
		if p.shm != nil {
			p.shm.Close()
		}
	})
	return nil
}

// diagnose adds how the plugin ended to a call's error when the process
// died: its exit and last stderr lines.
func (p *Plugin) diagnose(err error) error {
	deadline := time.Now().Add(exitWait)
	for !p.client.Exited() && time.Now().Before(deadline) {
		if !errors.Is(err, core.ErrUnavailable) {
			return err // the plugin answered; it is alive
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !p.client.Exited() {
		return err
	}
	// The exit can be seen before the last stderr lines are read.
	time.Sleep(stderrGrace)
	how := "exited"
	// go-plugin sets Exited only after its Wait returned, so ProcessState
	// is final here.
	if ps := p.cmd.ProcessState; ps != nil {
		how = "exited: " + ps.String()
	}
	return fmt.Errorf("%w (plugin %s %s%s)", err, p.ID, how, p.stderr.quote())
}

type launchSpec struct {
	id       string // for messages
	kind     core.Kind
	name     string
	path     string
	args     []string
	checksum []byte // pinned sha256, nil when unlocked
}

func (r *Registry) start(
	ctx context.Context,
	kind core.Kind,
	name, path string,
	args []string,
) (*Plugin, error) {
	spec := launchSpec{id: string(kind) + "/" + name, kind: kind, name: name, path: path, args: args}
	if args == nil && r.lock != nil {
		sum, err := r.lock.Checksum(kind, name, path)
		if err != nil {
			return nil, err
		}
		spec.checksum = sum
	}
	return r.launch(ctx, spec)
}

func (r *Registry) launch(ctx context.Context, spec launchSpec) (*Plugin, error) {
	sum, err := fileSHA256(spec.path)
	if err != nil {
		return nil, fmt.Errorf("start plugin %s: %w", spec.id, err)
	}
	if spec.checksum != nil && !strings.EqualFold(fmt.Sprintf("%x", spec.checksum), sum) {
		return nil, fmt.Errorf("%w: start plugin %s: %s has sha256 %s but the lock file %s pins %x; "+
			"if the change is intended, run ndalab plugins lock",
			core.ErrFailedPrecondition, spec.id, spec.path, sum, r.opts.LockFile, spec.checksum)
	}

	cmd := exec.Command(spec.path, spec.args...)
	// Own process group, so the host can kill the plugin and all it started;
	// Pdeathsig, so the kernel kills it if the host dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Env = os.Environ()
	if r.shmDir != "" {
		cmd.Env = append(cmd.Env, protocol.ShmEnv+"="+r.shmDir)
	}

	stderr := newTail(stderrLines)
	var secure *plugin.SecureConfig
	if spec.checksum != nil {
		// go-plugin checks the sum again right before exec.
		secure = &plugin.SecureConfig{Checksum: spec.checksum, Hash: sha256.New()}
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  protocol.Handshake,
		VersionedPlugins: protocol.ClientPluginSets(),
		Cmd:              cmd,
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     r.opts.StartTimeout,
		Logger:           newHCLogger(r.opts.Log, spec.id),
		Stderr:           stderr,
		SyncStderr:       stderr,
		SyncStdout:       &lineLogger{log: r.opts.Log, plugin: spec.id},
		GRPCDialOptions:  protocol.DialOptions(),
	})
	p := &Plugin{ID: spec.id, Path: spec.path, SHA256: sum, client: client, cmd: cmd, stderr: stderr}

	fail := func(what string, err error) (*Plugin, error) {
		p.pid = pidOf(cmd)
		p.Close()
		return nil, fmt.Errorf(
			"start plugin %s (%s): %s: %w%s",
			spec.id,
			spec.path,
			what,
			err,
			stderr.quote(),
		)
	}
	rpc, err := client.Client()
	p.pid = pidOf(cmd)
	if err != nil {
		return fail(explainStart(err), startKind(err))
	}
	p.Protocol = client.NegotiatedVersion()

	kind := spec.kind
	if kind == "" {
		kind = core.KindDataset // any name dispenses the raw connection
	}
	raw, err := rpc.Dispense(string(kind))
	if err != nil {
		return fail("connect", err)
	}
	conn := raw.(*grpc.ClientConn)
	desc, peerShm, err := protocol.DescribePeer(ctx, conn, spec.id)
	if err != nil {
		return fail("describe", err)
	}
	if spec.kind != "" && (desc.Kind != spec.kind || desc.Name != spec.name) {
		return fail(
			"descriptor",
			fmt.Errorf("%w: the file is named for %s but the plugin describes itself as %s",
				core.ErrInvalidArgument, spec.id, desc.ID()),
		)
	}
	if spec.kind == "" {
		p.ID = desc.ID()
	}
	p.Descriptor = desc
	if r.shmDir != "" && peerShm {
		p.shm = protocol.NewShmPool(r.shmDir)
	}
	p.Component = protocol.NewClient(conn, desc, protocol.ClientOptions{
		Diagnose: p.diagnose, Shm: p.shm, PeerShm: peerShm,
	})
	return p, nil
}

func pidOf(cmd *exec.Cmd) int {
	if cmd.Process == nil {
		return 0
	}
	return cmd.Process.Pid
}

// explainStart rewrites go-plugin's start errors in ndalab's terms.
func explainStart(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return "its sha256 does not match the lock file"
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return "it did not finish starting in time"
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		return "it wrote to stdout before its handshake (stdout is reserved for the handshake line)"
	case strings.Contains(msg, "incompatible API version"):
		return fmt.Sprintf("it speaks no protocol version this ndalab speaks (%d)", protocol.Version)
	case strings.Contains(msg, "exited before we could connect"):
		return "it exited before its handshake"
	}
	return "handshake"
}

func startKind(err error) error {
	if errors.Is(err, plugin.ErrChecksumsDoNotMatch) ||
		strings.Contains(err.Error(), "incompatible API version") {
		return fmt.Errorf("%w: %v", core.ErrFailedPrecondition, firstLine(err.Error()))
	}
	return fmt.Errorf("%w: %v", core.ErrUnavailable, firstLine(err.Error()))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// tail keeps a plugin's last stderr lines for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
	part  []byte
	max   int
	// panic is the first "panic:" or "fatal error:" line: a stack trace
	// pushes it out of the last lines, but it is the cause.
	panic string
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, b...)
	for {
		i := strings.IndexByte(string(t.part), '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(t.part[:i])); line != "" {
			t.lines = append(t.lines, line)
			if t.panic == "" &&
				(strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")) {
				t.panic = line
			}
		}
		t.part = t.part[i+1:]
	}
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = t.lines[over:]
	}
	return len(b), nil
}

// quote returns "; last stderr lines:\n  ..." or "".
func (t *tail) quote() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if s := strings.TrimSpace(string(t.part)); s != "" {
		lines = append(lines[:len(lines):len(lines)], s)
	}
	if len(lines) == 0 {
		return ""
	}
	cause := ""
	if t.panic != "" {
		cause = "; " + t.panic
	}
	return cause + "; its last stderr lines:\n    " + strings.Join(lines, "\n    ")
}

// lineLogger logs what a plugin printed on its redirected stdout.
type lineLogger struct {
	log    *slog.Logger
	plugin string
}

func (l *lineLogger) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		l.log.Warn("plugin wrote to stdout", "plugin", l.plugin, "line", line)
	}
	return len(b), nil
}

// newHCLogger bridges go-plugin's logger, which carries the plugins' own
// JSON records, to slog.
func newHCLogger(log *slog.Logger, name string) hclog.Logger {
	l := hclog.NewInterceptLogger(
		&hclog.LoggerOptions{Name: name, Output: io.Discard, Level: hclog.Trace},
	)
	l.RegisterSink(slogSink{log: log})
	return l
}

type slogSink struct{ log *slog.Logger }

func (s slogSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	var l slog.Level
	switch {
	case level <= hclog.Debug:
		l = slog.LevelDebug
	case level == hclog.Info:
		l = slog.LevelInfo
	case level == hclog.Warn:
		l = slog.LevelWarn
	default:
		l = slog.LevelError
	}
	s.log.Log(context.Background(), l, msg, append([]any{"plugin", name}, args...)...)
}
