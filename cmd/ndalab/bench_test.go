package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestBenchGAN(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"bench", "gan", "--steps", "2", "--warmup", "1",
		"--batch", "4", "--threads", "1"}, &out, &errOut)
	if err != nil {
		t.Fatalf("bench gan: %v\n%s", err, errOut.String())
	}
	if !regexp.MustCompile(`(?m)^images_per_s=[0-9]+\n$`).MatchString(out.String()) {
		t.Fatalf("output does not end with images_per_s=N:\n%s", out.String())
	}
	if !regexp.MustCompile(`step_ms=[0-9.]+ .*heap_mib=[0-9]+`).MatchString(out.String()) {
		t.Fatalf("output lacks step time or memory figures:\n%s", out.String())
	}
}

func TestBenchBadArgs(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"bench"}, &out, &errOut); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("bench without a name: %v", err)
	}
	if err := run(ctx, []string{"bench", "gan", "--steps", "0"}, &out, &errOut); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("bench gan --steps 0: %v", err)
	}
	if err := run(ctx, []string{"bench", "--help"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("bench --help: %v", err)
	}
}
