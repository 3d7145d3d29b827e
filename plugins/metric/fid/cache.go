package fid

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

// RefKey identifies reference statistics: the real features of one dataset
// split, drawn Samples at a time, embedded by the feature network whose
// checkpoint hashes to FeatureHash. FIDs from different keys are not
// comparable, so every part is in the key.
type RefKey struct {
	Dataset     string // dataset plugin name, e.g. "cifar10"
	Split       string // e.g. "train"
	Samples     int    // number of real samples; the NDA paper used 10,000
	FeatureHash string // content hash (hex) of the feature network checkpoint
}

// Validate checks that every part of the key is set.
func (k RefKey) Validate() error {
	switch {
	case k.Dataset == "":
		return fmt.Errorf("%w: fid reference key: dataset is empty", core.ErrInvalidArgument)
	case k.Split == "":
		return fmt.Errorf("%w: fid reference key: split is empty", core.ErrInvalidArgument)
	case k.Samples < 2:
		return fmt.Errorf("%w: fid reference key: %d samples, need at least 2",
			core.ErrInvalidArgument, k.Samples)
	case k.FeatureHash == "":
		return fmt.Errorf("%w: fid reference key: feature network hash is empty",
			core.ErrInvalidArgument)
	}
	return nil
}

// String is the canonical form of the key, stored inside the file and
// hashed into its name: "dataset/split/n=samples/featurehash".
func (k RefKey) String() string {
	return fmt.Sprintf("%s/%s/n=%d/%s", k.Dataset, k.Split, k.Samples, k.FeatureHash)
}

// FileName is the cache file name of the key: readable parts for people
// plus a hash of the whole key, so distinct keys never share a file.
func (k RefKey) FileName() string {
	sum := sha256.Sum256([]byte(k.String()))
	return fmt.Sprintf("%s_%s_n%d_%s.fidstats", safeName(k.Dataset), safeName(k.Split),
		k.Samples, hex.EncodeToString(sum[:8]))
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '_'
	}, s)
}

// Cache stores reference statistics as files in Dir, one per RefKey. Save
// writes a temporary file and renames it, so concurrent writers of one key
// leave one whole file and readers never see a partial one.
type Cache struct {
	Dir string
}

// Path is where the statistics of k live.
func (c Cache) Path(k RefKey) string { return filepath.Join(c.Dir, k.FileName()) }

// statsMagic starts every statistics file; the digit is the format version.
const statsMagic = "ndalab-fid-stats-1\n"

// Save writes s under k, creating Dir if needed.
func (c Cache) Save(k RefKey, s Stats) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if err := s.validate("cached"); err != nil {
		return err
	}
	if s.N != k.Samples {
		return fmt.Errorf("%w: fid cache: statistics of %d samples saved under key %s",
			core.ErrInvalidArgument, s.N, k)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("fid cache: create %s: %w", c.Dir, err)
	}

	// Body: magic, key, N, D, mean, upper triangle of Cov; then its sha256.
	var buf bytes.Buffer
	buf.WriteString(statsMagic)
	key := k.String()
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, uint32(len(key))))
	buf.WriteString(key)
	d := s.Dim()
	buf.Write(le.AppendUint64(nil, uint64(s.N)))
	buf.Write(le.AppendUint64(nil, uint64(d)))
	for _, v := range s.Mean {
		buf.Write(le.AppendUint64(nil, math.Float64bits(v)))
	}
	for i := range d {
		for j := i; j < d; j++ {
			buf.Write(le.AppendUint64(nil, math.Float64bits(s.Cov.At(i, j))))
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])

	path := c.Path(k)
	tmp, err := os.CreateTemp(c.Dir, ".tmp-"+k.FileName()+"-*")
	if err != nil {
		return fmt.Errorf("fid cache: save %s: %w", path, err)
	}
	_, werr := tmp.Write(buf.Bytes())
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fid cache: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fid cache: save %s: %w", path, err)
	}
	return nil
}

// Load reads the statistics stored under k. A missing file is an error
// wrapping core.ErrNotFound; a damaged one, or one written for another key,
// wraps core.ErrInvalidArgument and names the file.
func (c Cache) Load(k RefKey) (Stats, error) {
	if err := k.Validate(); err != nil {
		return Stats{}, err
	}
	path := c.Path(k)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Stats{}, fmt.Errorf("%w: fid cache: no statistics for %s at %s",
			core.ErrNotFound, k, path)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("fid cache: load %s: %w", path, err)
	}
	s, err := decodeStats(data, k.String())
	if err != nil {
		return Stats{}, fmt.Errorf("%w: fid cache: load %s: %v", core.ErrInvalidArgument, path, err)
	}
	return s, nil
}

func decodeStats(data []byte, wantKey string) (Stats, error) {
	if len(data) < len(statsMagic)+sha256.Size || string(data[:len(statsMagic)]) != statsMagic {
		return Stats{}, errors.New("not an ndalab fid statistics file (version 1)")
	}
	body, tail := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], tail) {
		return Stats{}, errors.New("checksum mismatch: file is damaged")
	}
	r := body[len(statsMagic):]
	le := binary.LittleEndian
	next := func(n int) ([]byte, bool) {
		if len(r) < n {
			return nil, false
		}
		b := r[:n]
		r = r[n:]
		return b, true
	}
	b, ok := next(4)
	if !ok {
		return Stats{}, errors.New("truncated key length")
	}
	key, ok := next(int(le.Uint32(b)))
	if !ok {
		return Stats{}, errors.New("truncated key")
	}
	if string(key) != wantKey {
		return Stats{}, fmt.Errorf("file holds statistics for %s, want %s", key, wantKey)
	}
	hdr, ok := next(16)
	if !ok {
		return Stats{}, errors.New("truncated header")
	}
	n, d := le.Uint64(hdr[:8]), le.Uint64(hdr[8:])
	if d == 0 || d > 1<<16 || uint64(len(r)) != 8*(d+d*(d+1)/2) {
		return Stats{}, fmt.Errorf("width %d does not match the %d bytes of data", d, len(r))
	}
	val := func() float64 {
		v, _ := next(8)
		return math.Float64frombits(le.Uint64(v))
	}
	s := Stats{Mean: make([]float64, d), Cov: mat.NewSymDense(int(d), nil), N: int(n)}
	for i := range s.Mean {
		s.Mean[i] = val()
	}
	for i := range int(d) {
		for j := i; j < int(d); j++ {
			s.Cov.SetSym(i, j, val())
		}
	}
	return s, nil
}
