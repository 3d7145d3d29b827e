package idx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
)

func encode(t testing.TB, a *Array) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sample() *Array {
	a := &Array{Dims: []int{3, 2, 4}, Data: make([]uint8, 24)}
	for i := range a.Data {
		a.Data[i] = uint8(i * 7)
	}
	return a
}

func TestReadRoundTrip(t *testing.T) {
	want := sample()
	raw := encode(t, want)
	for name, b := range map[string][]byte{"raw": raw, "gzip": gz(t, raw)} {
		t.Run(name, func(t *testing.T) {
			got, err := Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(got.Dims, want.Dims) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("got dims %v data %v, want %v %v", got.Dims, got.Data, want.Dims,
					want.Data)
			}
			if got.Magic() != 0x0803 {
				t.Errorf("magic 0x%08x, want 0x00000803", got.Magic())
			}
		})
	}
}

func TestReadLarge(t *testing.T) {
	// Larger than readN's first chunk, and not a power of two.
	want := &Array{Dims: []int{3, 1000, 1001}, Data: make([]uint8, 3*1000*1001)}
	for i := range want.Data {
		want.Data[i] = uint8(i % 251)
	}
	got, err := Read(bytes.NewReader(gz(t, encode(t, want))))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Fatal("large array differs after a round trip")
	}
}

func TestReadBadInput(t *testing.T) {
	good := encode(t, sample())
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "file too short"},
		{"bad magic", append([]byte{1, 2, 8, 3}, good[4:]...), "bad magic number"},
		{"float type", append([]byte{0, 0, 0x0d, 3}, good[4:]...), "unsupported"},
		{"zero dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"short dims", good[:9], "dimensions: file too short"},
		{"truncated values", good[:len(good)-5], "truncated"},
		{"trailing bytes", append(append([]byte{}, good...), 9), "trailing bytes"},
		{"huge header", []byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			"more than"},
		{"truncated gzip", gz(t, good)[:20], "too short"},
		{"truncated gzip values", gz(t, good)[:len(gz(t, good))-12], "truncated"},
		{"gzip checksum", corruptCRC(gz(t, good)), "checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q: want ErrInvalidArgument containing %q", err, tt.want)
			}
		})
	}
}

func TestReadFileNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broken-idx1-ubyte")
	if err := os.WriteFile(path, []byte{0, 0, 8, 1, 0, 0, 0, 9, 1}, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(),
		"truncated") {
		t.Fatalf("error %v: want the path and 'truncated'", err)
	}
	_, err = ReadFile(filepath.Join(dir, "missing"))
	if !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("error %v: want ErrNotFound naming the file", err)
	}
}

// FuzzRead checks that no input makes Read panic or return values that
// disagree with the header.
func FuzzRead(f *testing.F) {
	good := encode(f, sample())
	f.Add(good)
	f.Add(gz(f, good))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 5, 6})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("error %v is not ErrInvalidArgument", err)
			}
			return
		}
		total := 1
		for _, d := range a.Dims {
			total *= d
		}
		if total != len(a.Data) {
			t.Fatalf("dims %v but %d values", a.Dims, len(a.Data))
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// corruptCRC flips a bit of the gzip trailer's CRC-32.
func corruptCRC(b []byte) []byte {
	b = append([]byte{}, b...)
	b[len(b)-8] ^= 1
	return b
}
