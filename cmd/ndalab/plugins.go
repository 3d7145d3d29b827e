package main

import (
	"context"
	"errors"
)

// TODO(ndalab): placeholder until the registry lands.
func cmdPlugins(ctx context.Context, e *env, args []string) error {
	return errors.New("plugins: not available in this build yet")
}

func cmdPluginServe(ctx context.Context, e *env, args []string) error {
	return errors.New("plugin serve: not available in this build yet")
}
