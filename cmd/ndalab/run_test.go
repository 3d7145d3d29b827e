package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"", 0, 0, true}, {"0/1", 0, 1, true}, {"2/3", 2, 3, true},
		{"3/3", 0, 0, false}, {"-1/3", 0, 0, false}, {"1", 0, 0, false}, {"a/b", 0, 0, false},
		{"0/0", 0, 0, false},
	} {
		i, n, err := parseShard(c.in)
		if (err == nil) != c.ok || i != c.i || n != c.n {
			t.Errorf("parseShard(%q) = %d, %d, %v", c.in, i, n, err)
		}
	}
}

func TestMatrixCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"matrix", "../../experiments/toy2d.yaml", "--no-plugins",
		"--set", "seeds=[5]"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[3], "2 cells (experiment toy2d, task gan)") ||
		!strings.Contains(lines[1], "augmentation=none") {
		t.Errorf("output:\n%s", out.String())
	}

	err = run(context.Background(), []string{"matrix", "../../experiments/toy2d.yaml", "--no-plugins",
		"--set", "train.stepz=3"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `unknown key "train.stepz"`) {
		t.Errorf("bad --set: %v", err)
	}
}
