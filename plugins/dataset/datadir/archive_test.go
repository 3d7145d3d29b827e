package datadir_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/cifar"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
)

// member is one entry of a tarball; a name ending in '/' is a folder.
type member struct {
	name string
	data []byte
	link string // a symbolic link to this target when not empty
}

// tarball is a gzipped tarball written by writeTarball, with its sums.
type tarball struct {
	path, md5, sha256 string
}

// writeTarball writes members as a gzipped tarball at path, as tar and
// gzip write the official archives: folders, then regular files.
func writeTarball(t *testing.T, path string, members []member) tarball {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)),
			Typeflag: tar.TypeReg}
		switch {
		case strings.HasSuffix(m.name, "/"):
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		case m.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, m.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, path, buf.Bytes())
}

// writeFile writes data at path and returns it with its sums.
func writeFile(t *testing.T, path string, data []byte) tarball {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, s := md5.Sum(data), sha256.Sum256(data)
	return tarball{path: path, md5: hex.EncodeToString(m[:]), sha256: hex.EncodeToString(s[:])}
}

// records returns n binary CIFAR records: the label bytes label(i), then
// 3×1024 pixel bytes, every byte of channel c being (seed + 3i + c) mod 256.
func records(n, seed int, label func(i int) []byte) []byte {
	var out []byte
	for i := range n {
		out = append(out, label(i)...)
		for c := range 3 {
			out = append(out, bytes.Repeat([]byte{byte(seed + 3*i + c)}, 1024)...)
		}
	}
	return out
}

// pixel is the value the data set serves for a byte of records.
func pixel(seed, i, c int) float32 { return float32(byte(seed+3*i+c))/127.5 - 1 }

const cifar10Names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"

// cifar10Members lays out a small CIFAR-10 binary tarball as the official
// one is: the cifar-10-batches-bin folder with five train files of 7
// records, a test file of 5, the class names and the readme. Seeds start
// at seed.
func cifar10Members(seed int) []member {
	dir := "cifar-10-batches-bin/"
	label := func(i int) []byte { return []byte{byte(i % 10)} }
	ms := []member{{name: dir}}
	for f := 1; f <= 5; f++ {
		ms = append(ms, member{name: dir + "data_batch_" + string(rune('0'+f)) + ".bin",
			data: records(7, seed+10*f, label)})
	}
	return append(ms,
		member{name: dir + "test_batch.bin", data: records(5, seed+100, label)},
		member{name: dir + "batches.meta.txt", data: []byte(cifar10Names)},
		member{name: dir + "readme.html", data: []byte("<html></html>\n")})
}

// cifar100Members lays out a small CIFAR-100 binary tarball: train.bin of
// 40 records, test.bin of 10, labels (coarse i mod 20, fine 99-i).
func cifar100Members() []member {
	dir := "cifar-100-binary/"
	label := func(i int) []byte { return []byte{byte(i % 20), byte(99 - i)} }
	return []member{
		{name: dir},
		{name: dir + "coarse_label_names.txt", data: []byte(strings.Repeat("coarse\n", 20))},
		{name: dir + "fine_label_names.txt", data: []byte(strings.Repeat("fine\n", 100))},
		{name: dir + "test.bin", data: records(10, 7, label)},
		{name: dir + "train.bin", data: records(40, 1, label)},
	}
}

func TestFetchArchiveCIFAR10(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	tb := writeTarball(t, filepath.Join(t.TempDir(), "cifar-10-binary.tar.gz"),
		cifar10Members(0))
	if _, err := datadir.Locate(root, "cifar10"); err == nil {
		t.Fatal("cifar10 located before the fetch")
	}

	dest, err := datadir.FetchArchiveSums(ctx, root, "cifar10", tb.path, tb.md5, tb.sha256)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := datadir.Locate(root, "cifar10"); err != nil || got != dest {
		t.Fatalf("Locate after fetch = %q, %v; want %q", got, err, dest)
	}
	left, _ := filepath.Glob(filepath.Join(dest, ".unpack-*"))
	if len(left) != 0 {
		t.Fatalf("scratch folders left behind: %v", left)
	}

	// The cifar plugin serves what the tarball held.
	cfg := core.Config{"data_dir": root, "shuffle": false}
	info, err := cifar.New10().Info(ctx, cfg, core.SplitTrain)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 35 || info.Classes != 10 || len(info.ClassNames) != 10 ||
		info.ClassNames[3] != "cat" {
		t.Fatalf("train split: %+v", info)
	}
	b, err := cifar.New10().Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTest,
		Index: 0, Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		for c := range 3 {
			if got := b.Sample(i)[c*1024+300]; got != pixel(100, i, c) || b.Labels[i] != int32(i) {
				t.Fatalf("test image %d channel %d: %v label %d, want %v label %d", i, c, got,
					b.Labels[i], pixel(100, i, c), i)
			}
		}
	}
}

func TestFetchArchiveCIFAR100(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	tb := writeTarball(t, filepath.Join(t.TempDir(), "cifar-100-binary.tar.gz"),
		cifar100Members())
	if _, err := datadir.FetchArchiveSums(ctx, root, "cifar100", tb.path, tb.md5,
		tb.sha256); err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{"data_dir": root, "shuffle": false, "label": "fine"}
	b, err := cifar.New100().Batch(ctx, core.BatchRequest{Config: cfg, Split: core.SplitTrain,
		Size: 40})
	if err != nil {
		t.Fatal(err)
	}
	if b.Labels[0] != 99 || b.Labels[21] != 78 || b.Sample(21)[2*1024] != pixel(1, 21, 2) {
		t.Fatalf("fine labels %v, image 21 blue %v", b.Labels, b.Sample(21)[2*1024])
	}
	info, err := cifar.New100().Info(ctx, core.Config{"data_dir": root, "label": "coarse"},
		core.SplitTest)
	if err != nil || info.Size != 10 || info.Classes != 20 || info.ClassNames[0] != "coarse" {
		t.Fatalf("coarse test split: %+v, %v", info, err)
	}
}

func TestFetchArchiveLeavesFetchedAlone(t *testing.T) {
	ctx := context.Background()
	root, tmp := t.TempDir(), t.TempDir()
	first := writeTarball(t, filepath.Join(tmp, "first.tar.gz"), cifar10Members(0))
	second := writeTarball(t, filepath.Join(tmp, "second.tar.gz"), cifar10Members(1))
	dest, err := datadir.FetchArchiveSums(ctx, root, "cifar10", first.path, first.md5,
		first.sha256)
	if err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(dest, "cifar-10-batches-bin", "data_batch_1.bin")
	before, err := os.ReadFile(batch)
	if err != nil {
		t.Fatal(err)
	}

	// Neither another tarball nor one that is not there touches it.
	for _, tb := range []tarball{second, {path: filepath.Join(tmp, "absent.tar.gz")}} {
		got, err := datadir.FetchArchiveSums(ctx, root, "cifar10", tb.path, tb.md5, tb.sha256)
		if err != nil || got != dest {
			t.Fatalf("fetch again from %s: %q, %v; want %q", tb.path, got, err, dest)
		}
		if after, _ := os.ReadFile(batch); !bytes.Equal(after, before) {
			t.Fatalf("fetch from %s replaced %s", tb.path, batch)
		}
	}
}

func TestFetchArchiveErrors(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	good := writeTarball(t, filepath.Join(tmp, "cifar-10-binary.tar.gz"), cifar10Members(0))
	hundred := writeTarball(t, filepath.Join(tmp, "cifar-100-binary.tar.gz"), cifar100Members())
	short := writeTarball(t, filepath.Join(tmp, "short.tar.gz"), cifar10Members(0)[:6])
	plain := writeFile(t, filepath.Join(tmp, "plain.tar.gz"), []byte("not gzip"))

	tests := []struct {
		what   string
		name   string
		tb     tarball
		pinned bool // check against the sums pinned in the code
		kind   error
		want   []string
	}{
		{"generated tarball against the official sums", "cifar10", good, true,
			core.ErrInvalidArgument, []string{good.path, "md5", "cifar-10-binary.tar.gz"}},
		{"CIFAR-100 tarball for cifar10", "cifar10", hundred, false, core.ErrInvalidArgument,
			[]string{hundred.path, "cifar-10-batches-bin/data_batch_1.bin"}},
		{"tarball without the test file", "cifar10", short, false, core.ErrInvalidArgument,
			[]string{short.path, "cifar-10-batches-bin/test_batch.bin"}},
		{"not gzip", "cifar10", plain, false, core.ErrInvalidArgument,
			[]string{plain.path, "not a gzipped tarball"}},
		{"no such file", "cifar100", tarball{path: filepath.Join(tmp, "absent.tar.gz")}, true,
			core.ErrNotFound, []string{"absent.tar.gz"}},
		{"mnist has no archive", "mnist", good, true, core.ErrInvalidArgument,
			[]string{"mnist", "not unpacked from an archive"}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			root := t.TempDir()
			var err error
			if tt.pinned {
				_, err = datadir.FetchArchive(ctx, root, tt.name, tt.tb.path)
			} else {
				_, err = datadir.FetchArchiveSums(ctx, root, tt.name, tt.tb.path, tt.tb.md5,
					tt.tb.sha256)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %v, want %v", err, tt.kind)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %q", err, w)
				}
			}
			if _, err := datadir.Locate(root, tt.name); err == nil {
				t.Fatal("the data set is in place after a failed fetch")
			}
			left, _ := filepath.Glob(filepath.Join(root, tt.name, "*"))
			hidden, _ := filepath.Glob(filepath.Join(root, tt.name, ".*"))
			if len(left)+len(hidden) != 0 {
				t.Fatalf("a failed fetch left %v %v", left, hidden)
			}
		})
	}
}

// TestFetchArchiveSkipsStrayMembers checks that members outside the data
// set's folder, climbing out of it or not regular files are not unpacked.
func TestFetchArchiveSkipsStrayMembers(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "data")
	ms := append(cifar10Members(0),
		member{name: "cifar-10-batches-bin/../../../escaped.bin", data: []byte("x")},
		member{name: "/abs.bin", data: []byte("x")},
		member{name: "stray.bin", data: []byte("x")},
		member{name: "cifar-10-batches-bin/link.bin", link: "/etc/passwd"})
	tb := writeTarball(t, filepath.Join(tmp, "cifar-10-binary.tar.gz"), ms)
	dest, err := datadir.FetchArchiveSums(context.Background(), root, "cifar10", tb.path, tb.md5,
		tb.sha256)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(tmp, "escaped.bin"), filepath.Join(root,
		"escaped.bin"), filepath.Join(dest, "abs.bin"), filepath.Join(dest, "stray.bin"),
		filepath.Join(dest, "cifar-10-batches-bin", "link.bin")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was unpacked", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "cifar-10-batches-bin", "readme.html")); err != nil {
		t.Errorf("readme.html not unpacked: %v", err)
	}
}
