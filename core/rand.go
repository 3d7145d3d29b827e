package core

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// NewRand returns a generator keyed by (seed, component, index, purpose),
// never by call order, so prefetching, D steps per G step and parallel
// workers leave every draw unchanged. component names the caller (e.g.
// "augmentation/jigsaw"), index is usually the global batch index, purpose
// tells apart several streams of one call ("perm", "lambda").
func NewRand(seed int64, component string, index int64, purpose string) *rand.Rand {
	h := sha256.New()
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(seed))
	h.Write(buf[:])
	h.Write([]byte(component))
	h.Write([]byte{0})
	binary.LittleEndian.PutUint64(buf[:], uint64(index))
	h.Write(buf[:])
	h.Write([]byte(purpose))
	sum := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}
