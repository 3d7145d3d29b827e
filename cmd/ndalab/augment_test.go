package main

import (
	"bytes"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &env{stdout: &stdout, stderr: &stderr, log: slog.New(slog.NewTextHandler(io.Discard,
			nil))},
		&stdout, &stderr
}

func TestDataFetchAndAugmentPreview(t *testing.T) {
	dir := t.TempDir()
	e, _, _ := testEnv()
	if err := cmdData(t.Context(), e, []string{"fetch", "--data-dir", dir, "mnist"}); err != nil {
		t.Fatal(err)
	}
	e, stdout, _ := testEnv()
	if err := cmdData(t.Context(), e, []string{"list", "--data-dir", dir}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "mnist          ready") {
		t.Errorf("data list after fetch:\n%s", stdout)
	}

	out := filepath.Join(dir, "sheet.png")
	e, _, _ = testEnv()
	args := []string{"preview", "jigsaw", "--dataset", "mnist", "--data-dir", dir, "-o", out,
		"--n", "5", "--rows", "2", "--set", "k=2"}
	if err := cmdAugment(t.Context(), e, args); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 5 images of 28 px at scale 3 with 2 px gaps; 3 rows.
	if b := img.Bounds(); b.Dx() != 5*86+2 || b.Dy() != 3*86+2 {
		t.Errorf("sheet is %v, want %d×%d", b.Size(), 5*86+2, 3*86+2)
	}
}

func TestAugmentPreviewErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"preview", "nosuch", "--dataset", "toy2d", "-o", "-"}, "augmentation/nosuch"},
		{[]string{"preview", "jigsaw", "--dataset", "toy2d", "-o", "-"}, "cannot be cut"},
		{[]string{"preview", "jigsaw", "--dataset", "mnist", "--data-dir", "/nonexistent", "-o",
			"-"},
			"ndalab data fetch mnist"},
		{[]string{"preview", "jigsaw", "-o", "-", "--set", "k=1"}, "below the minimum"},
		{[]string{"preview", "jigsaw"}, "-o FILE"},
		{[]string{"frobnicate"}, "unknown verb"},
	}
	for _, tt := range tests {
		e, _, _ := testEnv()
		err := cmdAugment(t.Context(), e, tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("augment %v: error %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}

func TestAugmentPreviewPoints(t *testing.T) {
	e, stdout, _ := testEnv()
	args := []string{"preview", "toy2d-forbidden", "--dataset", "toy2d", "--n", "300", "-o", "-"}
	if err := cmdAugment(t.Context(), e, args); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(stdout); err != nil {
		t.Fatal(err)
	}
}
