package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the models work lands; replace this file.
func cmdBench(ctx context.Context, e *env, args []string) error {
	return errors.New("bench: not available in this build yet")
}
