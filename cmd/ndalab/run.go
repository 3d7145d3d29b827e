package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the experiments work lands; replace this file.
func cmdRun(ctx context.Context, e *env, args []string) error {
	return errors.New("run: not available in this build yet")
}
