package datadir

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// archive is the official tarball a data set can be unpacked from, with
// its pinned sums: the md5 the authors publish and the sha256 of the same
// file.
type archive struct {
	name   string // the file name the authors publish
	md5    string
	sha256 string
}

// The official CIFAR binary tarballs of https://www.cs.toronto.edu/~kriz/cifar.html.
var (
	cifar10Archive = archive{name: "cifar-10-binary.tar.gz",
		md5:    "c32a1d4ab5d03f1284b67883e8d87530",
		sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"}
	cifar100Archive = archive{name: "cifar-100-binary.tar.gz",
		md5:    "03b5dce01913d631647c71ecec9e9cb8",
		sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec"}
)

// FetchArchive puts data set name into root/name (root as for Dir) by
// unpacking its official tarball from the local file at from, once the
// file's md5 and sha256 match the pinned sums. It unpacks the regular files
// of the folders the data set's files lie in (for CIFAR-10 the record files,
// the class names and the readme) and nothing outside them. A data set
// already in place is left alone and from is not read. It returns the data
// set's folder; errors name the tarball and the member at fault.
func FetchArchive(ctx context.Context, root, name, from string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return fetchArchive(ctx, root, e, from)
}

func fetchArchive(ctx context.Context, root string, e Entry, from string) (string, error) {
	dest := filepath.Join(root, e.Name)
	if e.archive == nil {
		return "", fmt.Errorf("%w: fetch %s --from %s: %s is not unpacked from an archive; %s",
			core.ErrInvalidArgument, e.Name, from, e.Name, e.Hint)
	}
	if _, err := Locate(root, e.Name); err == nil {
		return dest, nil
	}

	f, err := os.Open(from)
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, fileError(err))
	}
	defer f.Close()
	if err := checkSums(f, from, *e.archive); err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, fileError(err))
	}

	// Members land in a scratch folder beside their places and move in
	// only once every file the data set needs is among them, so a bad or
	// cut-short tarball leaves nothing half unpacked.
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	scratch, err := os.MkdirTemp(dest, ".unpack-*")
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	defer os.RemoveAll(scratch)
	if err := unpack(ctx, f, from, scratch, folders(e.Files)); err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	for _, file := range e.Files {
		if _, err := os.Stat(filepath.Join(scratch, file.Name)); err != nil {
			return "", fmt.Errorf("%w: fetch %s: %s has no member %s; is it %s?",
				core.ErrInvalidArgument, e.Name, from, filepath.ToSlash(file.Name),
				e.archive.name)
		}
	}
	if err := moveInto(scratch, dest); err != nil {
		return "", fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	return dest, nil
}

// checkSums reads r, the file at from, to its end and compares its md5 and
// sha256 with a's.
func checkSums(r io.Reader, from string, a archive) error {
	m, s := md5.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, s), r); err != nil {
		return fmt.Errorf("read %s: %w", from, fileError(err))
	}
	gotMD5, gotSHA := hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil))
	if gotMD5 != a.md5 {
		return fmt.Errorf("%w: %s: md5 %s, want %s: not the official %s",
			core.ErrInvalidArgument, from, gotMD5, a.md5, a.name)
	}
	if gotSHA != a.sha256 {
		return fmt.Errorf("%w: %s: sha256 %s, want %s: not the official %s",
			core.ErrInvalidArgument, from, gotSHA, a.sha256, a.name)
	}
	return nil
}

// folders returns the slash-separated folders that hold files, each ending
// in '/'.
func folders(files []File) []string {
	var out []string
	for _, f := range files {
		dir := path.Dir(filepath.ToSlash(f.Name)) + "/"
		if !slices.Contains(out, dir) {
			out = append(out, dir)
		}
	}
	return out
}

// unpack writes the regular members of the gzipped tarball r (the file at
// from) that lie in one of keep into dir, under their names. Other members,
// and names that would climb out of their folder, are skipped.
func unpack(ctx context.Context, r io.Reader, from, dir string, keep []string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: read %s: not a gzipped tarball: %v", core.ErrInvalidArgument, from,
			err)
	}
	tr := tar.NewReader(gz)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %v", core.ErrCanceled, err)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: read %s: %v", core.ErrInvalidArgument, from, err)
		}
		name := path.Clean(hdr.Name)
		if !hdr.FileInfo().Mode().IsRegular() || !inFolder(name, keep) {
			continue
		}
		if err := writeMember(tr, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return fmt.Errorf("%w: read %s: member %s: %v", core.ErrInvalidArgument, from, name,
				err)
		}
	}
}

// inFolder reports whether the cleaned slash path name lies in one of
// folders; a cleaned path that climbs ("..") or is absolute never does.
func inFolder(name string, folders []string) bool {
	for _, f := range folders {
		if strings.HasPrefix(name, f) && len(name) > len(f) {
			return true
		}
	}
	return false
}

// writeMember copies r to a new file at target.
func writeMember(r io.Reader, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// moveInto renames every file under scratch to the same place under dest,
// replacing what is there.
func moveInto(scratch, dest string) error {
	return filepath.WalkDir(scratch, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(scratch, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dest, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.Rename(p, target)
	})
}

// fileError marks a missing file ErrNotFound and any other file error
// ErrInvalidArgument; the os error names the file.
func fileError(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %v", core.ErrNotFound, err)
	}
	return fmt.Errorf("%w: %v", core.ErrInvalidArgument, err)
}
