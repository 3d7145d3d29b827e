// Command faulty is a misbehaving augmentation plugin for the registry's
// fault tests. Its file name picks the fault: ndalab-augmentation-MODE,
// where MODE is one of
//
//	ok       behaves (identity)
//	crash    panics in the middle of Apply
//	stdout   prints to stdout before the handshake
//	hang     never finishes starting
//	v2       speaks only protocol version 2
//	spawn    starts a long-lived child process, then behaves
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol"
	"github.com/ndalab/ndalab/plugins/sdk"
)

func main() {
	mode := strings.TrimPrefix(filepath.Base(os.Args[0]), "ndalab-augmentation-")
	aug := &faulty{mode: mode}
	switch mode {
	case "stdout":
		fmt.Println("hello from a plugin that forgot stdout is not for it")
	case "hang":
		time.Sleep(time.Hour)
	case "v2":
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: protocol.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{
				2: protocol.ServerPluginSets(core.KindAugmentation, aug, protocol.ServerConfig{})[protocol.Version],
			},
			GRPCServer: plugin.DefaultGRPCServer,
		})
		return
	case "spawn":
		child := exec.Command("sleep", "3600")
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "spawn:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "child-pid=%d\n", child.Process.Pid)
	}
	sdk.Serve(aug)
}

type faulty struct{ mode string }

func (f *faulty) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{Kind: core.KindAugmentation, Name: f.mode, Version: "0.0.1",
		Doc: "misbehaves on purpose", Roles: []string{core.RoleNegative}}, nil
}

func (f *faulty) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	if f.mode == "crash" {
		panic("faulty: about to crash in the middle of apply")
	}
	if req.Step < 0 {
		return nil, fmt.Errorf("%w: step %d is negative", core.ErrInvalidArgument, req.Step)
	}
	return in.Clone(), nil
}
