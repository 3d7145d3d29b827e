package protocol

import (
	"context"
	"testing"

	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// BenchmarkShmOneWay is one 64×3×32×32 tensor through a reused
// shared-memory file: write, then read into a new batch.
func BenchmarkShmOneWay(b *testing.B) {
	dir := DefaultShmDir()
	if dir == "" {
		b.Skip("no shared-memory directory")
	}
	pool := NewShmPool(dir)
	defer pool.Close()
	c := &clientBase{pool: pool, peerShm: true}
	in := sequence(64, 3, 32, 32, true)
	b.SetBytes(int64(4 * len(in.Data)))
	for b.Loop() {
		_, call, err := c.begin(context.Background(), false)
		if err != nil {
			b.Fatal(err)
		}
		asm := Assembler{ShmDir: dir}
		if err := call.send("x", in, func(ch *pb.Chunk) error { return asm.Add(ch) }); err != nil {
			b.Fatal(err)
		}
		if _, err := asm.One(); err != nil {
			b.Fatal(err)
		}
		call.end(nil)
	}
}

// BenchmarkChunksOneWay is the same tensor through in-band chunks (without
// gRPC's own copies).
func BenchmarkChunksOneWay(b *testing.B) {
	in := sequence(64, 3, 32, 32, true)
	b.SetBytes(int64(4 * len(in.Data)))
	for b.Loop() {
		var asm Assembler
		if err := Chunks("x", in, func(ch *pb.Chunk) error { return asm.Add(ch) }); err != nil {
			b.Fatal(err)
		}
		if _, err := asm.One(); err != nil {
			b.Fatal(err)
		}
	}
}
