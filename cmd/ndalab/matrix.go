package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the experiments work lands; replace this file.
func cmdMatrix(ctx context.Context, e *env, args []string) error {
	return errors.New("matrix: not available in this build yet")
}
