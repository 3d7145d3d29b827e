// Package idx reads the IDX files that MNIST and Fashion-MNIST ship in: a
// big-endian header (two zero bytes, a type byte, a dimension count, one
// uint32 per dimension) followed by the values, optionally gzip-compressed.
// Only unsigned-byte data (type 0x08) is supported, which is all those data
// sets use.
package idx

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/ndalab/ndalab/core"
)

// TypeUint8 is the IDX type byte for unsigned bytes.
const TypeUint8 = 0x08

// maxDims bounds the dimension count; IDX files in the wild use 1 to 3.
const maxDims = 8

// maxValues bounds the element count a header may announce (1 GiB), so that
// a corrupt header fails cleanly instead of allocating without limit.
const maxValues = 1 << 30

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// Array is a decoded IDX file of unsigned bytes. Data holds the values in
// row-major order; its length is the product of Dims.
type Array struct {
	Dims []int
	Data []uint8
}

// Magic returns the file's magic number as the IDX documentation writes it
// (0x00000803 for a 3-dimensional byte array).
func (a *Array) Magic() uint32 { return uint32(TypeUint8)<<8 | uint32(len(a.Dims)) }

// Read decodes one IDX stream, raw or gzip-compressed (detected by its first
// bytes). Errors wrap core.ErrInvalidArgument and say what was wrong; the
// caller adds the file name.
func Read(r io.Reader) (*Array, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(2)
	if err == nil && bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip header: %v", core.ErrInvalidArgument, err)
		}
		defer zr.Close()
		return decode(zr)
	}
	return decode(br)
}

// ReadFile decodes the IDX file at path; errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read idx file: %w", openError(err))
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("read idx file %s: %w", path, err)
	}
	return a, nil
}

func decode(r io.Reader) (*Array, error) {
	// The header: two zero bytes, the type, the number of dimensions.
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("%w: magic number: %v", core.ErrInvalidArgument, short(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%w: bad magic number 0x%08x: not an IDX file",
			core.ErrInvalidArgument, binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != TypeUint8 {
		return nil, fmt.Errorf("%w: magic number 0x%08x: element type 0x%02x unsupported "+
			"(only unsigned bytes, 0x08)", core.ErrInvalidArgument,
			binary.BigEndian.Uint32(magic[:]), magic[2])
	}
	nd := int(magic[3])
	if nd == 0 || nd > maxDims {
		return nil, fmt.Errorf("%w: magic number 0x%08x: %d dimensions (want 1 to %d)",
			core.ErrInvalidArgument, binary.BigEndian.Uint32(magic[:]), nd, maxDims)
	}

	// The dimensions, each a big-endian uint32.
	dimBytes := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, fmt.Errorf("%w: dimensions: %v", core.ErrInvalidArgument, short(err))
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(dimBytes[4*i:]))
		if dims[i] > 0 && total > maxValues/dims[i] {
			return nil, fmt.Errorf("%w: dimensions %v announce more than %d values",
				core.ErrInvalidArgument, dims[:i+1], maxValues)
		}
		total *= dims[i]
	}

	// The values; a short read means a truncated file, extra bytes a corrupt one.
	data, err := readN(r, total)
	if n := len(data); err != nil {
		if !isShort(err) {
			return nil, fmt.Errorf("%w: values: %v", core.ErrInvalidArgument, err)
		}
		return nil, fmt.Errorf("%w: truncated: header %v announces %d values, read %d",
			core.ErrInvalidArgument, dims, total, n)
	}
	var extra [1]byte
	n, err := io.ReadFull(r, extra[:])
	if n != 0 {
		return nil, fmt.Errorf("%w: trailing bytes after the %d values of header %v",
			core.ErrInvalidArgument, total, dims)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%w: truncated: compressed stream ends before its trailer",
			core.ErrInvalidArgument)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		// A gzip stream reports a bad checksum only at its end.
		return nil, fmt.Errorf("%w: after the values: %v", core.ErrInvalidArgument, err)
	}
	return &Array{Dims: dims, Data: data}, nil
}

// short turns io.EOF/ErrUnexpectedEOF into the word a person expects.
func short(err error) error {
	if isShort(err) {
		return errors.New("file too short")
	}
	return err
}

func openError(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %v", core.ErrNotFound, err)
	}
	return fmt.Errorf("%w: %v", core.ErrInvalidArgument, err)
}

func isShort(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// firstChunk is the first buffer readN allocates; it grows by doubling, so a
// corrupt header announcing a gigabyte costs nothing until bytes arrive.
const firstChunk = 1 << 20

// readN reads exactly n bytes, or returns what it read and the error.
func readN(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, firstChunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n, 2*cap(buf))-len(buf))
		}
		m, err := io.ReadFull(r, buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
