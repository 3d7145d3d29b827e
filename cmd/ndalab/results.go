package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the results work lands; replace this file.
func cmdResults(ctx context.Context, e *env, args []string) error {
	return errors.New("results: not available in this build yet")
}
