package backend

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/tensor"
)

// Checkpoint file layout (all integers little-endian):
//
//	magic        8 bytes  "NDALABCK"
//	version      uint32   checkpointVersion
//	fingerprint  32 bytes sha256 of the tensor names, dtypes and shapes
//	count        uint32
//	count × { name length uint16, name, dtype uint8, rank uint8,
//	          extents uint32 × rank, values (4 or 8 bytes each) }
//	meta length  uint64, meta (opaque: RNG state, data cursor, …)
//	trailer      32 bytes sha256 of everything before it
const (
	checkpointMagic   = "NDALABCK"
	checkpointVersion = 1
)

// Dtype codes in the file.
const (
	codeFloat32 = 1
	codeFloat64 = 2
	codeInt64   = 3
)

// Stateful is anything whose tensors a checkpoint carries: Params, Adam,
// EMA. Tensors returns the live tensors, in a fixed order, so loading
// copies into them.
type Stateful interface {
	Tensors() []Named
}

// Fingerprint identifies an architecture by the names, dtypes and shapes
// of all its tensors (weights, state, optimiser moments, averages).
func Fingerprint(parts ...Stateful) [32]byte {
	h := sha256.New()
	for _, n := range collect(parts) {
		fmt.Fprintf(h, "%s\x00%v\x00%v\x00", n.Name, n.T.Dtype(), []int(n.T.Shape()))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func collect(parts []Stateful) []Named {
	var all []Named
	for _, p := range parts {
		all = append(all, p.Tensors()...)
	}
	return all
}

// SaveCheckpoint writes the tensors of parts and meta to path: to a
// temporary file in the same directory, synced, then renamed, so a crash
// leaves either the old file or the new one.
func SaveCheckpoint(path string, meta []byte, parts ...Stateful) error {
	data, err := EncodeCheckpoint(meta, parts...)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	return nil
}

// EncodeCheckpoint returns the checkpoint bytes of parts and meta, for
// callers that ship checkpoints rather than write files (Model.Save over
// the plugin boundary).
func EncodeCheckpoint(meta []byte, parts ...Stateful) ([]byte, error) {
	all := collect(parts)
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, checkpointVersion))
	fp := Fingerprint(parts...)
	buf.Write(fp[:])
	buf.Write(le.AppendUint32(nil, uint32(len(all))))
	seen := map[string]bool{}
	for _, n := range all {
		if seen[n.Name] {
			return nil, fmt.Errorf("encode checkpoint: tensor %q appears twice: %w",
				n.Name, core.ErrInvalidArgument)
		}
		seen[n.Name] = true
		if err := encodeTensor(&buf, n); err != nil {
			return nil, fmt.Errorf("encode checkpoint: %w", err)
		}
	}
	buf.Write(le.AppendUint64(nil, uint64(len(meta))))
	buf.Write(meta)
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes(), nil
}

func encodeTensor(buf *bytes.Buffer, n Named) error {
	le := binary.LittleEndian
	if len(n.Name) > math.MaxUint16 {
		return fmt.Errorf("tensor name of %d bytes: %w", len(n.Name), core.ErrInvalidArgument)
	}
	buf.Write(le.AppendUint16(nil, uint16(len(n.Name))))
	buf.WriteString(n.Name)
	shape := n.T.Shape()
	var code byte
	switch n.T.Dtype() {
	case tensor.Float32:
		code = codeFloat32
	case tensor.Float64:
		code = codeFloat64
	case tensor.Int64:
		code = codeInt64
	default:
		return fmt.Errorf("tensor %q: dtype %v: %w", n.Name, n.T.Dtype(), core.ErrInvalidArgument)
	}
	buf.WriteByte(code)
	buf.WriteByte(byte(shape.Dims()))
	for _, d := range shape {
		buf.Write(le.AppendUint32(nil, uint32(d)))
	}
	switch code {
	case codeFloat32:
		for _, v := range n.T.Float32s() {
			buf.Write(le.AppendUint32(nil, math.Float32bits(v)))
		}
	case codeFloat64:
		for _, v := range n.T.Float64s() {
			buf.Write(le.AppendUint64(nil, math.Float64bits(v)))
		}
	case codeInt64:
		for _, v := range n.T.Int64s() {
			buf.Write(le.AppendUint64(nil, uint64(v)))
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed

	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		// Make the rename itself durable; not all file systems allow it.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// LoadCheckpoint verifies the file at path and copies its tensors into
// the live tensors of parts, returning the metadata blob. A corrupted or
// truncated file is core.ErrInvalidArgument; a file of another architecture
// (names, dtypes or shapes differ) is core.ErrFailedPrecondition, and the
// error names the first difference. Nothing is copied unless every check
// passes.
func LoadCheckpoint(path string, parts ...Stateful) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, core.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	meta, err := DecodeCheckpoint(data, parts...)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	return meta, nil
}

// DecodeCheckpoint is LoadCheckpoint on bytes from EncodeCheckpoint.
func DecodeCheckpoint(data []byte, parts ...Stateful) ([]byte, error) {
	file, err := decodeCheckpoint(data)
	if err != nil {
		return nil, err
	}
	live := collect(parts)
	if file.fingerprint != Fingerprint(parts...) {
		return nil, fmt.Errorf("architecture differs: %s: %w",
			firstDifference(file.tensors, live), core.ErrFailedPrecondition)
	}
	for i, n := range live {
		copyTensor(n.T, file.tensors[i].T)
	}
	return file.meta, nil
}

type checkpointFile struct {
	fingerprint [32]byte
	tensors     []Named
	meta        []byte
}

// decodeCheckpoint checks the trailer first, so any flipped byte is
// reported as corruption rather than as a confusing parse error.
func decodeCheckpoint(data []byte) (*checkpointFile, error) {
	corrupt := func(what string) error {
		return fmt.Errorf("corrupted checkpoint: %s: %w", what, core.ErrInvalidArgument)
	}
	if len(data) < len(checkpointMagic) || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("not an ndalab checkpoint (bad magic): %w", core.ErrInvalidArgument)
	}
	const fixed = len(checkpointMagic) + 4 + 32 + 4 + 8 + sha256.Size
	if len(data) < fixed {
		return nil, corrupt(fmt.Sprintf("%d bytes is too short", len(data)))
	}
	body, trailer := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], trailer) {
		return nil, corrupt("sha256 mismatch")
	}

	r := &reader{b: body[len(checkpointMagic):]}
	if v := r.u32(); v != checkpointVersion {
		return nil, fmt.Errorf("checkpoint version %d, this build reads %d: %w",
			v, checkpointVersion, core.ErrInvalidArgument)
	}
	f := &checkpointFile{}
	copy(f.fingerprint[:], r.take(32))
	count := r.u32()
	for i := uint32(0); i < count && r.err == nil; i++ {
		f.tensors = append(f.tensors, r.tensor())
	}
	f.meta = bytes.Clone(r.take(int(r.u64())))
	if r.err != nil {
		return nil, corrupt(r.err.Error())
	}
	if len(r.b) != 0 {
		return nil, corrupt(fmt.Sprintf("%d unread bytes", len(r.b)))
	}
	return f, nil
}

// reader decodes little-endian fields, remembering the first overrun.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = fmt.Errorf("field of %d bytes overruns the file", n)
		}
		return make([]byte, max(n, 0))
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 {
	n := binary.LittleEndian.Uint64(r.take(8))
	if n > math.MaxInt32 && r.err == nil {
		r.err = fmt.Errorf("length %d is implausible", n)
	}
	return n
}

func (r *reader) tensor() Named {
	name := string(r.take(int(r.u16())))
	code, rank := r.take(1)[0], int(r.take(1)[0])
	shape := make([]int, rank)
	size := 1
	for i := range shape {
		shape[i] = int(r.u32())
		size *= shape[i]
	}
	if r.err != nil {
		return Named{}
	}
	if size > len(r.b) {
		r.err = fmt.Errorf("tensor %q of shape %v overruns the file", name, shape)
		return Named{}
	}
	le := binary.LittleEndian
	switch code {
	case codeFloat32:
		raw := r.take(4 * size)
		v := make([]float32, size)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
		return Named{Name: name, T: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))}
	case codeFloat64:
		raw := r.take(8 * size)
		v := make([]float64, size)
		for i := range v {
			v[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
		return Named{Name: name, T: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))}
	case codeInt64:
		raw := r.take(8 * size)
		v := make([]int64, size)
		for i := range v {
			v[i] = int64(le.Uint64(raw[8*i:]))
		}
		return Named{Name: name, T: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))}
	}
	r.err = fmt.Errorf("tensor %q has unknown dtype code %d", name, code)
	return Named{}
}

// firstDifference describes how the file's tensors differ from the live
// ones.
func firstDifference(file, live []Named) string {
	for i := range min(len(file), len(live)) {
		f, l := file[i], live[i]
		if f.Name != l.Name {
			return fmt.Sprintf("tensor %d is %q in the file, %q in the model", i, f.Name, l.Name)
		}
		if f.T.Dtype() != l.T.Dtype() || !f.T.Shape().Eq(l.T.Shape()) {
			return fmt.Sprintf("tensor %q is %v %v in the file, %v %v in the model",
				f.Name, f.T.Dtype(), f.T.Shape(), l.T.Dtype(), l.T.Shape())
		}
	}
	if len(file) != len(live) {
		return fmt.Sprintf("the file has %d tensors, the model %d", len(file), len(live))
	}
	return "fingerprint differs"
}

// copyTensor copies src into dst of equal dtype and shape.
func copyTensor(dst, src *tensor.Dense) {
	switch dst.Dtype() {
	case tensor.Float32:
		copy(dst.Float32s(), src.Float32s())
	case tensor.Float64:
		copy(dst.Float64s(), src.Float64s())
	case tensor.Int64:
		copy(dst.Int64s(), src.Int64s())
	}
}
