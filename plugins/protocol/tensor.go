package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// littleEndian reports whether this machine stores numbers little-endian, in
// which case float32 slices are sent without conversion.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Chunks splits a batch into chunks of at most ChunkBytes each, calling send
// for each in order. The first chunk carries name, shape and the labelled
// flag. On little-endian machines the chunks alias b's memory: send must
// finish with a chunk (gRPC marshals it synchronously) before b changes.
func Chunks(name string, b *core.Batch, send func(*pb.Chunk) error) error {
	if err := b.Validate(); err != nil {
		return fmt.Errorf("send tensor %q: %w", name, err)
	}
	data := float32Bytes(b.Data)
	labels := int32Bytes(b.Labels)
	first := &pb.Chunk{
		Name:     name,
		Shape:    []int64{int64(b.Shape[0]), int64(b.Shape[1]), int64(b.Shape[2]), int64(b.Shape[3])},
		Labelled: b.Labels != nil,
	}

	// Labels are small (4 bytes per sample): they go whole in the first
	// chunk unless they alone exceed the budget.
	c := first
	for {
		room := ChunkBytes
		if len(labels) > 0 {
			n := min(len(labels), room)
			c.Labels, labels = labels[:n], labels[n:]
			room -= n
		}
		n := min(len(data), room)
		c.Data, data = data[:n], data[n:]
		if err := send(c); err != nil {
			return err
		}
		if len(data) == 0 && len(labels) == 0 {
			return nil
		}
		c = &pb.Chunk{}
	}
}

// Assembler rebuilds named tensors from a stream of chunks.
type Assembler struct {
	// ShmDir is where shared-memory tensor files are read from; empty
	// refuses them.
	ShmDir string

	tensors map[string]*core.Batch
	order   []string
	cur     *partial
}

type partial struct {
	name         string
	batch        *core.Batch
	data, labels int // bytes received so far
	wantData     int
	wantLabels   int
}

// Add takes the next chunk of the stream.
func (a *Assembler) Add(c *pb.Chunk) error {
	if len(c.Shape) > 0 {
		if err := a.finish(); err != nil {
			return err
		}
		p, err := newPartial(c)
		if err != nil {
			return err
		}
		a.cur = p
		if c.Shm != "" {
			return readShm(a.ShmDir, p, c.Shm)
		}
	}
	if a.cur == nil {
		return fmt.Errorf("%w: tensor chunk without a header", core.ErrInvalidArgument)
	}
	p := a.cur
	if p.data+len(c.Data) > p.wantData || p.labels+len(c.Labels) > p.wantLabels {
		return fmt.Errorf("%w: tensor %q: more bytes than its shape %v holds",
			core.ErrInvalidArgument, p.name, p.batch.Shape)
	}
	copyFloat32(p.batch.Data, p.data/4, c.Data)
	p.data += len(c.Data)
	if len(c.Labels) > 0 {
		copyInt32(p.batch.Labels, p.labels/4, c.Labels)
		p.labels += len(c.Labels)
	}
	return nil
}

func newPartial(c *pb.Chunk) (*partial, error) {
	if len(c.Shape) != 4 {
		return nil, fmt.Errorf(
			"%w: tensor %q: shape %v is not N×C×H×W",
			core.ErrInvalidArgument,
			c.Name,
			c.Shape,
		)
	}
	var shape [4]int
	total := int64(1)
	for i, d := range c.Shape {
		if d < 0 || d > 1<<31 {
			return nil, fmt.Errorf(
				"%w: tensor %q: bad shape %v",
				core.ErrInvalidArgument,
				c.Name,
				c.Shape,
			)
		}
		shape[i] = int(d)
		total *= d
	}
	if total*4 > 1<<40 {
		return nil, fmt.Errorf(
			"%w: tensor %q: shape %v is too large",
			core.ErrInvalidArgument,
			c.Name,
			c.Shape,
		)
	}
	b := &core.Batch{Shape: shape, Data: make([]float32, total)}
	p := &partial{name: c.Name, batch: b, wantData: int(total) * 4}
	if c.Labelled {
		b.Labels = make([]int32, shape[0])
		p.wantLabels = shape[0] * 4
	}
	return p, nil
}

func (a *Assembler) finish() error {
	p := a.cur
	if p == nil {
		return nil
	}
	if p.data != p.wantData || p.labels != p.wantLabels {
		return fmt.Errorf("%w: tensor %q: got %d of %d data bytes and %d of %d label bytes",
			core.ErrInvalidArgument, p.name, p.data, p.wantData, p.labels, p.wantLabels)
	}
	if a.tensors == nil {
		a.tensors = map[string]*core.Batch{}
	}
	if _, dup := a.tensors[p.name]; dup {
		return fmt.Errorf("%w: tensor %q sent twice", core.ErrInvalidArgument, p.name)
	}
	a.tensors[p.name] = p.batch
	a.order = append(a.order, p.name)
	a.cur = nil
	return nil
}

// Done checks that the last tensor is complete and returns all tensors by
// name.
func (a *Assembler) Done() (map[string]*core.Batch, error) {
	if err := a.finish(); err != nil {
		return nil, err
	}
	if a.tensors == nil {
		a.tensors = map[string]*core.Batch{}
	}
	return a.tensors, nil
}

// One returns the single tensor of a stream that carries exactly one.
func (a *Assembler) One() (*core.Batch, error) {
	ts, err := a.Done()
	if err != nil {
		return nil, err
	}
	if len(ts) != 1 {
		return nil, fmt.Errorf("%w: want one tensor, got %d", core.ErrInvalidArgument, len(ts))
	}
	return ts[a.order[0]], nil
}

func float32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
	}
	out := make([]byte, len(f)*4)
	for i, v := range f {
		binary.LittleEndian.PutUint32(out[i*4:], math.Float32bits(v))
	}
	return out
}

func int32Bytes(v []int32) []byte {
	if len(v) == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*4)
	}
	out := make([]byte, len(v)*4)
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[i*4:], uint32(x))
	}
	return out
}

// copyFloat32 decodes little-endian bytes into dst starting at element off.
// A chunk boundary may split a value only if the sender misbehaves; such
// trailing bytes are caught by the final length check.
func copyFloat32(dst []float32, off int, src []byte) {
	if len(src) == 0 {
		return
	}
	if littleEndian {
		copy(float32Bytes(dst[off:]), src)
		return
	}
	for i := 0; i+4 <= len(src); i += 4 {
		dst[off+i/4] = math.Float32frombits(binary.LittleEndian.Uint32(src[i:]))
	}
}

func copyInt32(dst []int32, off int, src []byte) {
	if littleEndian {
		copy(int32Bytes(dst[off:]), src)
		return
	}
	for i := 0; i+4 <= len(src); i += 4 {
		dst[off+i/4] = int32(binary.LittleEndian.Uint32(src[i:]))
	}
}
