package main

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/sdk"
)

// cmdPluginServe serves one built-in (ndalab plugin serve KIND/NAME). The
// registry starts it; people never need to.
func cmdPluginServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plugin serve", "KIND/NAME", "Serve a built-in plugin over the plugin protocol.")
	if len(args) == 0 || args[0] != "serve" {
		fs.Usage()
		return fmt.Errorf("plugin: want `plugin serve KIND/NAME`")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("plugin serve: want one KIND/NAME")
	}
	p, err := builtin.Lookup(fs.Arg(0))
	if err != nil {
		return err
	}
	sdk.Serve(p.New())
	return nil
}
