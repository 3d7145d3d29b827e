// Package sdk is what a plugin author imports. Implement one core interface
// (core.Dataset, core.Augmentation, core.Model or core.Metric) and call Serve
// from main:
//
//	func main() { sdk.Serve(myaug.New()) }
//
// Serve takes care of the rest: the go-plugin handshake on stdout and
// nothing else there, JSON logs on stderr that the host shows under the
// plugin's name, error kinds that survive the boundary, configs resolved
// against the descriptor before the component sees them, and exiting when
// the host dies.
package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol"
)

// LoggerSetter is implemented by components that want a logger. Serve
// calls SetLogger before serving; the records reach the host's log under
// the plugin's name.
type LoggerSetter interface {
	SetLogger(*slog.Logger)
}

// parentPollInterval is how often a plugin checks that its host still runs.
const parentPollInterval = 200 * time.Millisecond

// Serve runs c as a plugin process and exits when the host is done with it
// or dies. It does not return.
func Serve(c core.Component) {
	os.Exit(serve(c, os.Args[1:]))
}

func serve(c core.Component, args []string) int {
	d, err := c.Describe(context.Background())
	if err == nil {
		err = d.Validate()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ndalab plugin: %v\n", err)
		return 1
	}

	// Started by hand rather than by ndalab: explain, or print the
	// descriptor for `describe`, instead of waiting for a handshake.
	if os.Getenv(protocol.Handshake.MagicCookieKey) != protocol.Handshake.MagicCookieValue {
		return standalone(d, args)
	}

	// Keep the real stdout for the handshake alone: fd 1 now points at
	// stderr, so stray prints (from cgo libraries too) cannot corrupt it.
	handshakeOut, err := guardStdout()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ndalab plugin %s: guard stdout: %v\n", d.ID(), err)
		return 1
	}
	os.Stdout = handshakeOut

	if ls, ok := c.(LoggerSetter); ok {
		ls.SetLogger(slog.New(newJSONHandler(os.Stderr)))
	}
	go exitWithParent(os.Getppid())

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: protocol.Handshake,
		VersionedPlugins: protocol.ServerPluginSets(
			d.Kind,
			c,
			protocol.ServerConfig{ShmDir: os.Getenv(protocol.ShmEnv)},
		),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, protocol.ServerOptions()...)...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       d.ID(),
			Level:      hclog.Warn,
			Output:     os.Stderr,
			JSONFormat: true,
		}),
	})
	return 0
}

// guardStdout duplicates the real stdout for the handshake and points fd 1
// at stderr.
func guardStdout() (*os.File, error) {
	fd, err := syscall.Dup(1)
	if err != nil {
		return nil, err
	}
	if err := dup2(2, 1); err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "handshake"), nil
}

// exitWithParent ends the process once its parent is gone (the plugin is
// then re-parented, and its parent pid changes). The host also kills its
// plugins' process groups; this covers a host killed with SIGKILL.
func exitWithParent(parent int) {
	for {
		time.Sleep(parentPollInterval)
		if os.Getppid() != parent {
			os.Exit(3)
		}
	}
}

func standalone(d *core.Descriptor, args []string) int {
	if len(args) == 1 && args[0] == "describe" {
		return printDescriptor(os.Stdout, d)
	}
	fmt.Fprintf(os.Stderr, "%s %s: %s\n\n", d.ID(), d.Version, d.Doc)
	fmt.Fprintln(
		os.Stderr,
		"This is an ndalab plugin: ndalab starts it. Put it on NDALAB_PLUGIN_PATH and",
	)
	fmt.Fprintf(
		os.Stderr,
		"run `ndalab plugins describe %s`, or `%s describe` for its descriptor as JSON.\n",
		d.Name,
		os.Args[0],
	)
	return 1
}

func printDescriptor(w io.Writer, d *core.Descriptor) int {
	p, err := protocol.DescriptorToPB(d)
	if err == nil {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(p)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "describe: %v\n", err)
		return 1
	}
	return 0
}
