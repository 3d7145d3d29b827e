package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the data work lands; replace this file.
func cmdAugment(ctx context.Context, e *env, args []string) error {
	return errors.New("augment: not available in this build yet")
}
