package protocol

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"google.golang.org/grpc/metadata"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// ShmEnv names the environment variable through which a host tells a
// plugin where shared-memory tensor files live. A plugin that sees it reads
// large request tensors from files there, writes large results into the
// file the host names for each call, and says so in Describe.
const ShmEnv = "NDALAB_SHM_DIR"

// ShmMinBytes is the smallest tensor sent through shared memory: below it,
// the file round trip costs more than the copies gRPC makes.
const ShmMinBytes = 64 << 10

// replyKey is the gRPC metadata key naming the file a plugin may write its
// result into.
const replyKey = "ndalab-reply-shm"

// shmName is "ndalab-PID-RANDOM", PID being the host's.
var shmName = regexp.MustCompile(`^ndalab-[0-9]+-[0-9a-f]{16}$`)

// maxFreeSlots bounds the files a pool keeps between calls; a burst of
// concurrent calls may create more, which are removed when returned.
const maxFreeSlots = 8

// ShmPool is a host's set of reusable shared-memory files, one per tensor
// in flight. All files belong to the host: a plugin writes into a file the
// host created and named, and nobody removes a file but the pool. Reusing
// files keeps their pages, so a call costs two copies, not fresh pages.
// A pool is safe for concurrent use.
type ShmPool struct {
	dir    string
	mu     sync.Mutex
	free   []*shmSlot
	closed bool
}

type shmSlot struct {
	f    *os.File
	name string
	size int64
}

// NewShmPool returns an empty pool of files in dir.
func NewShmPool(dir string) *ShmPool { return &ShmPool{dir: dir} }

// Dir is the pool's directory.
func (p *ShmPool) Dir() string { return p.dir }

func (p *ShmPool) get() (*shmSlot, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()

	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, err
	}
	name := "ndalab-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(suffix[:])
	f, err := os.OpenFile(filepath.Join(p.dir, name), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("shared-memory file: %w", err)
	}
	return &shmSlot{f: f, name: name}, nil
}

func (p *ShmPool) put(s *shmSlot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= maxFreeSlots {
		s.f.Close()
		os.Remove(s.f.Name())
		return
	}
	p.free = append(p.free, s)
}

// Close removes the pool's idle files; files still in use are removed when
// their calls end.
func (p *ShmPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, s := range p.free {
		s.f.Close()
		os.Remove(s.f.Name())
	}
	p.free = nil
	return nil
}

// shmCall holds the files one call took from a pool.
type shmCall struct {
	pool    *ShmPool
	peerShm bool // the plugin reads request tensors from files
	slots   []*shmSlot
}

// begin prepares a call: with a pool and a result tensor to come, it names
// a reply file in the call's metadata so the plugin can write a large
// result there.
func (c *clientBase) begin(ctx context.Context, reply bool) (context.Context, *shmCall, error) {
	call := &shmCall{pool: c.pool, peerShm: c.peerShm}
	if c.pool == nil || !c.peerShm || !reply {
		return ctx, call, nil
	}
	slot, err := c.pool.get()
	if err != nil {
		return ctx, call, err
	}
	call.slots = append(call.slots, slot)
	return metadata.AppendToOutgoingContext(ctx, replyKey, slot.name), call, nil
}

// end returns the call's files to the pool. After a failed call the
// plugin may still be about to write its result, so those files are
// discarded instead: a late write then lands in an unlinked file.
func (call *shmCall) end(err error) {
	for _, s := range call.slots {
		if err != nil {
			s.f.Close()
			os.Remove(s.f.Name())
			continue
		}
		call.pool.put(s)
	}
	call.slots = nil
}

// send sends a request tensor, through a pool file when it is large and
// the plugin reads them.
func (call *shmCall) send(name string, b *core.Batch, send func(*pb.Chunk) error) error {
	if call.pool == nil || !call.peerShm || !large(b) {
		return Chunks(name, b, send)
	}
	s, err := call.pool.get()
	if err != nil {
		return err
	}
	call.slots = append(call.slots, s)
	if err := writeShm(s.f, &s.size, name, b); err != nil {
		return err
	}
	return send(shmChunk(name, b, s.name))
}

func large(b *core.Batch) bool { return 4*(len(b.Data)+len(b.Labels)) >= ShmMinBytes }

func shmChunk(name string, b *core.Batch, file string) *pb.Chunk {
	return &pb.Chunk{
		Name:     name,
		Shape:    []int64{int64(b.Shape[0]), int64(b.Shape[1]), int64(b.Shape[2]), int64(b.Shape[3])},
		Labelled: b.Labels != nil,
		Shm:      file,
	}
}

// writeShm writes b's data, then its labels, at the start of f, growing f
// when it is too small (*size tracks its length).
func writeShm(f *os.File, size *int64, name string, b *core.Batch) error {
	if err := b.Validate(); err != nil {
		return fmt.Errorf("send tensor %q: %w", name, err)
	}
	need := int64(4 * (len(b.Data) + len(b.Labels)))
	if need > *size {
		if err := f.Truncate(need); err != nil {
			return fmt.Errorf("send tensor %q: %w", name, err)
		}
		*size = need
	}
	if _, err := f.WriteAt(float32Bytes(b.Data), 0); err != nil {
		return fmt.Errorf("send tensor %q: %w", name, err)
	}
	if b.Labels != nil {
		if _, err := f.WriteAt(int32Bytes(b.Labels), int64(4*len(b.Data))); err != nil {
			return fmt.Errorf("send tensor %q: %w", name, err)
		}
	}
	return nil
}

// sendReply sends a plugin's result: into the file the host named for this
// call when the result is large, else in-band.
func sendReply(ctx context.Context, dir, name string, b *core.Batch, send func(*pb.Chunk) error) error {
	file := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok && dir != "" {
		if v := md.Get(replyKey); len(v) == 1 && shmName.MatchString(v[0]) {
			file = v[0]
		}
	}
	if file == "" || !large(b) {
		return Chunks(name, b, send)
	}
	f, err := os.OpenFile(filepath.Join(dir, file), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("send tensor %q: %w", name, err)
	}
	info, err := f.Stat()
	if err == nil {
		size := info.Size()
		err = writeShm(f, &size, name, b)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return send(shmChunk(name, b, file))
}

// readShm fills p from the shared-memory file the chunk names. The file may
// be longer than the tensor: files are reused.
func readShm(dir string, p *partial, file string) error {
	if dir == "" {
		return fmt.Errorf("%w: tensor %q came through shared memory, which this side did not offer",
			core.ErrInvalidArgument, p.name)
	}
	if !shmName.MatchString(file) {
		return fmt.Errorf(
			"%w: tensor %q: bad shared-memory file name %q",
			core.ErrInvalidArgument,
			p.name,
			file,
		)
	}
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return fmt.Errorf("%w: tensor %q: %v", core.ErrInvalidArgument, p.name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() < int64(p.wantData+p.wantLabels) {
		return fmt.Errorf("%w: tensor %q: shared-memory file holds %d bytes, shape %v needs %d",
			core.ErrInvalidArgument, p.name, info.Size(), p.batch.Shape, p.wantData+p.wantLabels)
	}
	// DefaultShmDir offers shared memory on little-endian machines only, so
	// the slices below alias the batch's memory.
	if p.wantData > 0 {
		if _, err := f.ReadAt(float32Bytes(p.batch.Data), 0); err != nil {
			return fmt.Errorf("tensor %q: %w", p.name, err)
		}
	}
	if p.wantLabels > 0 {
		if _, err := f.ReadAt(int32Bytes(p.batch.Labels), int64(p.wantData)); err != nil {
			return fmt.Errorf("tensor %q: %w", p.name, err)
		}
	}
	p.data, p.labels = p.wantData, p.wantLabels
	return nil
}

// DefaultShmDir returns /dev/shm when this machine has a writable one and
// stores numbers little-endian, else "" (then tensors travel inside gRPC
// messages).
func DefaultShmDir() string {
	const dir = "/dev/shm"
	if !littleEndian {
		return ""
	}
	f, err := os.CreateTemp(dir, "ndalab-probe-")
	if err != nil {
		return ""
	}
	f.Close()
	os.Remove(f.Name())
	return dir
}
