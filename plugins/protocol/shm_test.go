package protocol

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

func TestSharedMemoryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	small := sequence(2, 1, 4, 4, true)    // below ShmMinBytes: in-band
	large := sequence(64, 3, 32, 32, true) // through a file
	asm := Assembler{ShmDir: dir}
	for name, b := range map[string]*core.Batch{"small": small, "large": large} {
		var sent []*pb.Chunk
		err := sendTensor(dir, name, b, func(c *pb.Chunk) error {
			sent = append(sent, c)
			return asm.Add(c)
		})
		if err != nil {
			t.Fatal(err)
		}
		viaShm := len(sent) == 1 && sent[0].Shm != "" && len(sent[0].Data) == 0
		if viaShm != (name == "large") {
			t.Errorf("%s: shared memory used = %v", name, viaShm)
		}
	}
	got, err := asm.Done()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]*core.Batch{"small": small, "large": large} {
		if !slices.Equal(got[name].Data, want.Data) || !slices.Equal(got[name].Labels, want.Labels) {
			t.Errorf("%s changed on the way", name)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the receiver left %d files behind", len(left))
	}
}

func TestSharedMemoryRefusals(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		dir  string
		file string
		size int
	}{
		{"not offered", "", "ndalab-1-0123456789abcdef", 4},
		{"path traversal", dir, "../../etc/passwd", 4},
		{"missing file", dir, "ndalab-1-0123456789abcdef", -1},
		{"wrong size", dir, "ndalab-2-0123456789abcdef", 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.size >= 0 && c.dir != "" && filepath.Base(c.file) == c.file {
				os.WriteFile(filepath.Join(dir, c.file), make([]byte, c.size), 0o600)
			}
			asm := Assembler{ShmDir: c.dir}
			ch := &pb.Chunk{Name: "x", Shape: []int64{1, 1, 1, 1}, Shm: c.file}
			if err := asm.Add(ch); !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("want an invalid-argument error, got %v", err)
			}
		})
	}
}

func TestSweepRemovesOnlyOneProcessesFiles(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, ShmPrefix(41)+"0123456789abcdef")
	other := filepath.Join(dir, ShmPrefix(4)+"0123456789abcdef")
	for _, f := range []string{mine, other} {
		os.WriteFile(f, nil, 0o600)
	}
	SweepShm(dir, 41)
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Error("the dead process's file is still there")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("another process's file was removed")
	}
}
