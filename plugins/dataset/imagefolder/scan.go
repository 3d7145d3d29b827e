package imagefolder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// options are the parameters that decide what a folder serves.
type options struct {
	root         string
	size         int
	channels     int
	resize       bool
	testFraction float64
}

// folder is a scanned root: its two splits.
type folder struct {
	splits map[core.Split]*files
}

// isImage reports whether name has an extension imagefolder decodes.
func isImage(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// scan lists the classes and files under opts.root, reads every file once
// to hash it and check its header, and builds both splits.
func scan(ctx context.Context, opts options) (*folder, error) {
	st, err := os.Stat(opts.root)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", opts.root, imageset.FileError(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: root %s is not a folder", core.ErrInvalidArgument, opts.root)
	}
	trainDir, testDir := filepath.Join(opts.root, "train"), filepath.Join(opts.root, "test")
	if isDir(trainDir) && isDir(testDir) {
		train, err := listClasses(trainDir)
		if err != nil {
			return nil, err
		}
		test, err := listClasses(testDir)
		if err != nil {
			return nil, err
		}
		classes := classNames(train)
		for c := range test {
			if !slices.Contains(classes, c) {
				return nil, fmt.Errorf("%w: class folder %s has no counterpart in %s",
					core.ErrInvalidArgument, filepath.Join(testDir, c), trainDir)
			}
		}
		return build(ctx, opts, classes, map[core.Split]map[string][]string{
			core.SplitTrain: train, core.SplitTest: test})
	}

	all, err := listClasses(opts.root)
	if err != nil {
		return nil, err
	}
	byHash := map[core.Split]map[string][]string{core.SplitTrain: {}, core.SplitTest: {}}
	for c, paths := range all {
		for _, p := range paths {
			s := core.SplitTrain
			if inTest(p, opts.root, opts.testFraction) {
				s = core.SplitTest
			}
			byHash[s][c] = append(byHash[s][c], p)
		}
	}
	return build(ctx, opts, classNames(all), byHash)
}

// inTest puts a file in the test split by a hash of its path relative to
// the root, so that the split survives moving the folder.
func inTest(path, root string, fraction float64) bool {
	rel, _ := filepath.Rel(root, path)
	h := fnv.New64a()
	h.Write([]byte(filepath.ToSlash(rel)))
	return float64(h.Sum64()%1_000_000) < fraction*1_000_000
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// listClasses maps each sub-folder of dir to its image files, sorted. An
// empty folder, or a class folder without images, is an error naming it.
func listClasses(dir string) (map[string][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read folder %s: %w", dir, imageset.FileError(err))
	}
	out := map[string][]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cdir := filepath.Join(dir, e.Name())
		files, err := os.ReadDir(cdir)
		if err != nil {
			return nil, fmt.Errorf("read class folder %s: %w", cdir, imageset.FileError(err))
		}
		var paths []string
		for _, f := range files {
			if !f.IsDir() && isImage(f.Name()) {
				paths = append(paths, filepath.Join(cdir, f.Name()))
			}
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("%w: class folder %s holds no PNG or JPEG files",
				core.ErrInvalidArgument, cdir)
		}
		out[e.Name()] = paths
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: folder %s has no class sub-folders", core.ErrInvalidArgument,
			dir)
	}
	return out, nil
}

func classNames(m map[string][]string) []string {
	names := make([]string, 0, len(m))
	for c := range m {
		names = append(names, c)
	}
	slices.Sort(names)
	return names
}

// build reads every file of both splits: it hashes the bytes and checks
// that the header decodes (and, without resizing, the size).
func build(
	ctx context.Context, opts options, classes []string, split map[core.Split]map[string][]string,
) (*folder, error) {
	f := &folder{splits: map[core.Split]*files{}}
	for _, s := range []core.Split{core.SplitTrain, core.SplitTest} {
		fs := &files{opts: opts}
		var names []string
		var sums [][]byte
		for ci, c := range classes {
			for _, p := range split[s][c] {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("%w: %v", core.ErrCanceled, err)
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return nil, fmt.Errorf("read %s: %w", p, imageset.FileError(err))
				}
				if err := checkHeader(p, data, opts); err != nil {
					return nil, err
				}
				sum := sha256.Sum256(data)
				rel, _ := filepath.Rel(opts.root, p)
				names, sums = append(names, filepath.ToSlash(rel)), append(sums, sum[:])
				fs.paths = append(fs.paths, p)
				fs.labels = append(fs.labels, int32(ci))
			}
		}
		fs.meta = imageset.Meta{Classes: len(classes), ClassNames: classes,
			Checksum: imageset.Checksum(names, sums)}
		fs.decoded = make([][]uint8, len(fs.paths))
		f.splits[s] = fs
	}
	return f, nil
}

func checkHeader(path string, data []byte, opts options) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %s: not a readable PNG or JPEG image: %v", core.ErrInvalidArgument,
			path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return fmt.Errorf("%w: %s: %s image of size %d×%d", core.ErrInvalidArgument, path, format,
			cfg.Width, cfg.Height)
	}
	if !opts.resize && (cfg.Width != opts.size || cfg.Height != opts.size) {
		return fmt.Errorf("%w: %s: image is %d×%d, want %d×%d (or set resize: true)",
			core.ErrInvalidArgument, path, cfg.Width, cfg.Height, opts.size, opts.size)
	}
	return nil
}
