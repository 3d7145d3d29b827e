// Package imageset holds what every image data set plugin shares: a split
// kept as uint8 samples (Source, Set), the selection parameters (class
// filter, subset, shuffling), the per-process cache of decoded files and the
// batch server that turns a core.BatchRequest into a [-1, 1] float32 batch.
package imageset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// Source is one split of a data set whose samples are bytes, C×H×W each.
// Implementations must be safe for concurrent use.
type Source interface {
	// Len is the number of samples before any selection.
	Len() int
	// Shape is C, H, W of one sample.
	Shape() [3]int
	// Label is sample i's class index.
	Label(i int) int32
	// Pixels writes sample i into dst, which holds C*H*W bytes.
	Pixels(i int, dst []uint8) error
	// Meta describes the data set as a whole.
	Meta() Meta
}

// ValueSource is a Source whose samples are float32 values served as they
// are, without the byte scaling (toy point data). Server uses Values instead
// of Pixels for it.
type ValueSource interface {
	Source
	// Values writes sample i into dst, which holds C*H*W values.
	Values(i int, dst []float32)
}

// Meta is what a Source says about itself beyond its samples.
type Meta struct {
	Classes    int      // number of label values
	ClassNames []string // optional, len Classes
	Checksum   string   // content hash of the files the split came from
}

// Set is a split held in memory as uint8, N×C×H×W. It never changes after
// construction, so it is safe for concurrent reads.
type Set struct {
	shape  [3]int
	pixels []uint8
	labels []int32
	meta   Meta
}

// NewSet wraps pixels (N×C×H×W bytes) and labels (N values in
// [0, meta.Classes)); it takes ownership of both slices.
func NewSet(shape [3]int, pixels []uint8, labels []int32, meta Meta) (*Set, error) {
	size := shape[0] * shape[1] * shape[2]
	if size <= 0 || len(pixels) != size*len(labels) {
		return nil, fmt.Errorf("%w: image set of shape %v: %d bytes for %d labels",
			core.ErrInvalidArgument, shape, len(pixels), len(labels))
	}
	for i, l := range labels {
		if l < 0 || int(l) >= meta.Classes {
			return nil, fmt.Errorf("%w: label %d of sample %d is outside [0, %d)",
				core.ErrInvalidArgument, l, i, meta.Classes)
		}
	}
	return &Set{shape: shape, pixels: pixels, labels: labels, meta: meta}, nil
}

// Len implements Source.
func (s *Set) Len() int { return len(s.labels) }

// Shape implements Source.
func (s *Set) Shape() [3]int { return s.shape }

// Label implements Source.
func (s *Set) Label(i int) int32 { return s.labels[i] }

// Meta implements Source.
func (s *Set) Meta() Meta { return s.meta }

// Pixels implements Source.
func (s *Set) Pixels(i int, dst []uint8) error {
	size := len(dst)
	copy(dst, s.pixels[i*size:(i+1)*size])
	return nil
}

// Checksum combines per-file sha256 sums, keyed by the files' base names so
// that the data set's identity does not depend on where it is stored.
func Checksum(names []string, sums [][]byte) string {
	h := sha256.New()
	for i, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(sums[i])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
