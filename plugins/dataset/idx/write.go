package idx

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ndalab/ndalab/core"
)

// Write encodes a as an uncompressed IDX stream. Tests use it to build files
// in the exact format, good and broken.
func Write(w io.Writer, a *Array) error {
	total := 1
	for _, d := range a.Dims {
		total *= d
	}
	if len(a.Dims) == 0 || len(a.Dims) > maxDims || total != len(a.Data) {
		return fmt.Errorf("%w: write idx: dims %v do not match %d values",
			core.ErrInvalidArgument, a.Dims, len(a.Data))
	}
	head := make([]byte, 4+4*len(a.Dims))
	head[2] = TypeUint8
	head[3] = byte(len(a.Dims))
	for i, d := range a.Dims {
		binary.BigEndian.PutUint32(head[4+4*i:], uint32(d))
	}
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("write idx header: %w", err)
	}
	if _, err := w.Write(a.Data); err != nil {
		return fmt.Errorf("write idx values: %w", err)
	}
	return nil
}
