package main

import (
	"context"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the ndalab version and plugin protocol.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "ndalab %s (protocol %d)\n", core.Version, core.ProtocolVersion)
	return err
}
