package datadir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// Fetch puts data set name into root/name (root as for Dir), copying each
// file from the first source folder that has it and checking its sha256.
// Files already present with the right sum are left alone. It returns the
// data set's folder. Data sets with no local source (CIFAR) return an
// ErrFailedPrecondition error that says how to get them: FetchArchive
// unpacks a downloaded tarball.
func Fetch(ctx context.Context, root, name string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	dest := filepath.Join(root, e.Name)
	if e.sources == nil {
		if _, err := Locate(root, name); err == nil {
			return dest, nil
		}
		return "", fmt.Errorf("%w: fetch %s: no copy on this machine and no network; %s (%s)",
			core.ErrFailedPrecondition, name, e.Hint, dest)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s: %w", name, err)
	}
	sources := e.sources()
	for _, f := range e.Files {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("fetch %s: %w: %v", name, core.ErrCanceled, err)
		}
		target := filepath.Join(dest, f.Name)
		if sum, err := fileSum(target); err == nil && sum == f.SHA256 {
			continue
		}
		if err := fetchFile(sources, f, target); err != nil {
			if errors.Is(err, core.ErrNotFound) && e.sourceHint != "" {
				return "", fmt.Errorf("fetch %s: %w; %s", name, err, e.sourceHint)
			}
			return "", fmt.Errorf("fetch %s: %w", name, err)
		}
	}
	return dest, nil
}

// fetchFile copies f from the first source that has it, verifying its sum
// before renaming the copy into place.
func fetchFile(sources []string, f File, target string) error {
	var tried []string
	for _, dir := range sources {
		src := filepath.Join(dir, f.Name)
		in, err := os.Open(src)
		if errors.Is(err, os.ErrNotExist) {
			tried = append(tried, dir)
			continue
		}
		if err != nil {
			return fmt.Errorf("%w: open %s: %v", core.ErrInvalidArgument, src, err)
		}
		err = copyVerified(in, src, f.SHA256, target)
		in.Close()
		return err
	}
	return fmt.Errorf("%w: %s not found in %s", core.ErrNotFound, f.Name, strings.Join(tried, ", "))
}

func copyVerified(in io.Reader, src, want, target string) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), ".fetch-*")
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), in); err != nil {
		tmp.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); want != "" && got != want {
		return fmt.Errorf("%w: %s: sha256 %s, want %s", core.ErrInvalidArgument, src, got, want)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// fileSum returns the hex sha256 of the file at path.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
