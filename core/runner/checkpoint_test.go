package runner

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.ckpt")
	body := []byte("model bytes\nwith a newline and \x00 a zero")
	h := CheckpointHeader{Step: 42, Model: "dcgan", Cell: "abc", RunID: "abc-1"}
	if err := WriteCheckpoint(path, h, body); err != nil {
		t.Fatal(err)
	}
	// Overwriting replaces the file whole and leaves no temp files behind.
	h.Step = 43
	if err := WriteCheckpoint(path, h, body); err != nil {
		t.Fatal(err)
	}
	got, gotBody, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 43 || got.Model != "dcgan" || got.RunID != "abc-1" || !bytes.Equal(gotBody, body) {
		t.Errorf("read back %+v %q", got, gotBody)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want only the checkpoint", len(ents))
	}

	if _, _, err := ReadCheckpoint(filepath.Join(dir, "none.ckpt")); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("missing file: %v, want not found", err)
	}
	bad := filepath.Join(dir, "bad.ckpt")
	os.WriteFile(bad, []byte("{\"format\":\"other\"}\nxx"), 0o644)
	if _, _, err := ReadCheckpoint(bad); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("foreign file: %v, want invalid argument", err)
	}
}
