package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// ShmEnv names the environment variable through which a host tells a
// plugin where shared-memory tensor files live. A plugin that sees it sends
// large results through files there and says so in Describe; the host then
// does the same for large requests.
const ShmEnv = "NDALAB_SHM_DIR"

// ShmMinBytes is the smallest tensor sent through shared memory: below it,
// creating a file costs more than the copies gRPC makes.
const ShmMinBytes = 64 << 10

// shmName is "ndalab-PID-RANDOM": the creator's pid lets a host sweep the
// files of a plugin that died before its results were read.
var shmName = regexp.MustCompile(`^ndalab-[0-9]+-[0-9a-f]{16}$`)

// ShmPrefix is the file-name prefix of the shared-memory files process pid
// creates.
func ShmPrefix(pid int) string { return "ndalab-" + strconv.Itoa(pid) + "-" }

// sendShm writes b to a new file in dir and sends one chunk naming it.
func sendShm(dir, name string, b *core.Batch, send func(*pb.Chunk) error) error {
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return err
	}
	file := ShmPrefix(os.Getpid()) + hex.EncodeToString(suffix[:])
	path := filepath.Join(dir, file)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("send tensor %q: %w", name, err)
	}
	_, err = f.Write(float32Bytes(b.Data))
	if err == nil && b.Labels != nil {
		_, err = f.Write(int32Bytes(b.Labels))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = send(&pb.Chunk{
			Name:     name,
			Shape:    []int64{int64(b.Shape[0]), int64(b.Shape[1]), int64(b.Shape[2]), int64(b.Shape[3])},
			Labelled: b.Labels != nil,
			Shm:      file,
		})
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("send tensor %q through shared memory: %w", name, err)
	}
	return nil
}

// readShm fills p from the shared-memory file the chunk names, then
// removes the file.
func readShm(dir string, p *partial, file string) error {
	if dir == "" {
		return fmt.Errorf("%w: tensor %q came through shared memory, which this side did not offer",
			core.ErrInvalidArgument, p.name)
	}
	if !shmName.MatchString(file) {
		return fmt.Errorf("%w: tensor %q: bad shared-memory file name %q", core.ErrInvalidArgument, p.name, file)
	}
	path := filepath.Join(dir, file)
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: tensor %q: %v", core.ErrInvalidArgument, p.name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() != int64(p.wantData+p.wantLabels) {
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

// SweepShm removes the shared-memory files that process pid created and
// nobody read: a plugin that died mid-call leaves them.
func SweepShm(dir string, pid int) {
	if dir == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, ShmPrefix(pid)+"*"))
	for _, f := range files {
		os.Remove(f)
	}
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
