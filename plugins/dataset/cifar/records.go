package cifar

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// imageBytes is one 3×32×32 image: the red plane, then green, then blue.
const imageBytes = 3 * 32 * 32

// Layout describes a binary CIFAR record: LabelBytes label bytes, then the
// image. Label is the byte used as the class, Limits bounds every label
// byte (a record with a byte at or above its limit is corrupt).
type Layout struct {
	Name       string
	LabelBytes int
	Label      int
	Classes    int
	Limits     []int
	namesFile  string // the archive's class-name list, one per line
}

// The record layouts of the two archives; read-only.
var (
	layout10 = Layout{Name: "cifar10", LabelBytes: 1, Label: 0, Classes: 10,
		Limits: []int{10}, namesFile: "batches.meta.txt"}
	layout100Fine = Layout{Name: "cifar100-fine", LabelBytes: 2, Label: 1, Classes: 100,
		Limits: []int{20, 100}, namesFile: "fine_label_names.txt"}
	layout100Coarse = Layout{Name: "cifar100-coarse", LabelBytes: 2, Label: 0, Classes: 20,
		Limits: []int{20, 100}, namesFile: "coarse_label_names.txt"}
)

// RecordSize is the bytes of one record.
func (l Layout) RecordSize() int { return l.LabelBytes + imageBytes }

// Decode checks the records of one file's contents and returns their
// labels. Errors say what is wrong; the caller adds the file name.
func Decode(data []byte, l Layout) ([]int32, error) {
	rec := l.RecordSize()
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty file", core.ErrInvalidArgument)
	}
	if len(data)%rec != 0 {
		return nil, fmt.Errorf("%w: truncated or not a %s file: %d bytes is not a whole number "+
			"of %d-byte records (%d records and %d bytes over)",
			core.ErrInvalidArgument, l.Name, len(data), rec, len(data)/rec, len(data)%rec)
	}
	n := len(data) / rec
	labels := make([]int32, n)
	for i := range n {
		r := data[i*rec : i*rec+l.LabelBytes]
		for j, limit := range l.Limits {
			if int(r[j]) >= limit {
				return nil, fmt.Errorf("%w: record %d: label byte %d is %d, not below %d",
					core.ErrInvalidArgument, i, j, r[j], limit)
			}
		}
		labels[i] = int32(r[l.Label])
	}
	return labels, nil
}

// records is a split held as the files' bytes; it implements
// imageset.Source without copying the images out of their records.
type records struct {
	data   []byte
	labels []int32
	layout Layout
	meta   imageset.Meta
}

// TODO(ndalab): Load keeps a split's file bytes in memory (150 MB for the
// CIFAR-10 train split); mapping the files would share them between
// plugin processes.

// Load reads and checks the files of one split, in order. Errors name the
// file.
func Load(paths []string, l Layout, classNames []string) (imageset.Source, error) {
	// Every file is read straight into one buffer, so the split costs its
	// size in memory once.
	sizes := make([]int, len(paths))
	total := 0
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, imageset.FileError(err))
		}
		sizes[i] = int(st.Size())
		total += sizes[i]
	}
	out := &records{data: make([]byte, total), layout: l}
	names := make([]string, len(paths))
	sums := make([][]byte, len(paths))
	at := 0
	for i, p := range paths {
		data := out.data[at : at+sizes[i]]
		if err := readFull(p, data); err != nil {
			return nil, err
		}
		labels, err := Decode(data, l)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		names[i], sums[i] = filepath.Base(p), sum[:]
		out.labels = append(out.labels, labels...)
		at += sizes[i]
	}
	if len(classNames) != l.Classes {
		classNames = nil
	}
	out.meta = imageset.Meta{Classes: l.Classes, ClassNames: classNames,
		Checksum: imageset.Checksum(names, sums)}
	return out, nil
}

// readFull fills data from the file at path, which must hold exactly
// len(data) bytes.
func readFull(path string, data []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, imageset.FileError(err))
	}
	defer f.Close()
	if _, err := io.ReadFull(f, data); err != nil {
		return fmt.Errorf("read %s: %w", path, imageset.FileError(err))
	}
	var extra [1]byte
	if n, _ := f.Read(extra[:]); n != 0 {
		return fmt.Errorf("%w: read %s: the file grew while being read", core.ErrInvalidArgument, path)
	}
	return nil
}

func (r *records) Len() int            { return len(r.labels) }
func (r *records) Shape() [3]int       { return [3]int{3, 32, 32} }
func (r *records) Label(i int) int32   { return r.labels[i] }
func (r *records) Meta() imageset.Meta { return r.meta }

func (r *records) Pixels(i int, dst []uint8) error {
	start := i*r.layout.RecordSize() + r.layout.LabelBytes
	copy(dst, r.data[start:start+imageBytes])
	return nil
}

// classNames reads the archive's list of class names, or returns nil when
// it is missing; names are a nicety, the data do not need them.
func classNames(dir string, l Layout) []string {
	f, err := os.Open(filepath.Join(dir, l.namesFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			names = append(names, s)
		}
	}
	return names
}
