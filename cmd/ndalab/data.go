package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the data work lands; replace this file.
func cmdData(ctx context.Context, e *env, args []string) error {
	return errors.New("data: not available in this build yet")
}
