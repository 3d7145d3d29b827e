package protocol

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

func TestSharedMemoryRequestAndReply(t *testing.T) {
	dir := t.TempDir()
	pool := NewShmPool(dir)
	c := &clientBase{pool: pool, peerShm: true}
	small := sequence(2, 1, 4, 4, true)    // below ShmMinBytes: in-band
	large := sequence(64, 3, 32, 32, true) // through a file

	for round := 0; round < 3; round++ {
		ctx, call, err := c.begin(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}

		// Host to plugin: the request tensors.
		server := Assembler{ShmDir: dir}
		var viaShm []string
		for name, b := range map[string]*core.Batch{"small": small, "large": large} {
			err := call.send(name, b, func(ch *pb.Chunk) error {
				if ch.Shm != "" {
					viaShm = append(viaShm, name)
				}
				return server.Add(ch)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(viaShm, []string{"large"}) {
			t.Errorf("round %d: through shared memory: %v, want [large]", round, viaShm)
		}
		got, err := server.Done()
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]*core.Batch{"small": small, "large": large} {
			if !slices.Equal(got[name].Data, want.Data) ||
				!slices.Equal(got[name].Labels, want.Labels) {
				t.Errorf("round %d: %s changed on the way", round, name)
			}
		}

		// Plugin to host: the result goes into the file the call named.
		md, _ := metadata.FromOutgoingContext(ctx)
		in := metadata.NewIncomingContext(context.Background(), md)
		host := Assembler{ShmDir: dir}
		var replyShm bool
		result := sequence(64, 3, 32, 32, false)
		if err := sendReply(in, dir, "out", result, func(ch *pb.Chunk) error {
			replyShm = ch.Shm != ""
			return host.Add(ch)
		}); err != nil {
			t.Fatal(err)
		}
		out, err := host.One()
		if err != nil {
			t.Fatal(err)
		}
		if !replyShm || !slices.Equal(out.Data, result.Data) || out.Labels != nil {
			t.Errorf("round %d: reply through shared memory %v, equal %v", round, replyShm,
				slices.Equal(out.Data, result.Data))
		}
		call.end(nil)
	}

	// Files are reused: two per call (reply and one request), never more.
	if files, _ := os.ReadDir(dir); len(files) != 2 {
		t.Errorf("%d files after three calls, want 2 reused ones", len(files))
	}
	pool.Close()
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("Close left %d files", len(files))
	}
}

func TestReplyInBandWithoutAFile(t *testing.T) {
	var asm Assembler
	b := sequence(64, 3, 32, 32, false)
	err := sendReply(context.Background(), t.TempDir(), "out", b, func(ch *pb.Chunk) error {
		if ch.Shm != "" {
			t.Error("no reply file was named, yet the reply went through one")
		}
		return asm.Add(ch)
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := asm.One(); err != nil || !slices.Equal(out.Data, b.Data) {
		t.Fatalf("in-band reply: %v", err)
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
		{"too small", dir, "ndalab-2-0123456789abcdef", 2},
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

// A failed call's files are discarded, not reused: the plugin may still
// write into them.
func TestFailedCallDiscardsItsFiles(t *testing.T) {
	dir := t.TempDir()
	pool := NewShmPool(dir)
	c := &clientBase{pool: pool, peerShm: true}
	_, call, err := c.begin(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := call.send("x", sequence(64, 3, 32, 32, false), func(*pb.Chunk) error { return nil }); err != nil {
		t.Fatal(err)
	}
	call.end(errors.New("cancelled"))
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files kept after a failed call, want 0", len(files))
	}
	if len(pool.free) != 0 {
		t.Errorf("%d files returned to the pool after a failed call", len(pool.free))
	}
}
