package mnist

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/idx"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// The IDX magic numbers of MNIST's two file kinds.
const (
	magicImages = 0x00000803
	magicLabels = 0x00000801
)

// Load decodes an MNIST-format split: an images file (N×28×28 bytes) and a
// labels file (N bytes, each < len(classNames)). Errors name the file and
// the problem: wrong magic number, truncation, image size, count mismatch.
func Load(imagesPath, labelsPath string, classNames []string) (*imageset.Set, error) {
	images, imagesSum, err := readIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if images.Magic() != magicImages {
		return nil, fmt.Errorf("%w: %s: magic number 0x%08x, want 0x%08x (an images file)",
			core.ErrInvalidArgument, imagesPath, images.Magic(), magicImages)
	}
	if h, w := images.Dims[1], images.Dims[2]; h != side || w != side {
		return nil, fmt.Errorf("%w: %s: images are %d×%d, want %d×%d",
			core.ErrInvalidArgument, imagesPath, h, w, side, side)
	}

	labels, labelsSum, err := readIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if labels.Magic() != magicLabels {
		return nil, fmt.Errorf("%w: %s: magic number 0x%08x, want 0x%08x (a labels file)",
			core.ErrInvalidArgument, labelsPath, labels.Magic(), magicLabels)
	}
	if n, m := images.Dims[0], labels.Dims[0]; n != m {
		return nil, fmt.Errorf("%w: %s holds %d images but %s holds %d labels",
			core.ErrInvalidArgument, imagesPath, n, labelsPath, m)
	}

	out := make([]int32, len(labels.Data))
	for i, l := range labels.Data {
		if int(l) >= len(classNames) {
			return nil, fmt.Errorf("%w: %s: label %d of sample %d is not below %d classes",
				core.ErrInvalidArgument, labelsPath, l, i, len(classNames))
		}
		out[i] = int32(l)
	}
	meta := imageset.Meta{
		Classes:    len(classNames),
		ClassNames: classNames,
		Checksum: imageset.Checksum(
			[]string{filepath.Base(imagesPath), filepath.Base(labelsPath)},
			[][]byte{imagesSum, labelsSum}),
	}
	return imageset.NewSet([3]int{1, side, side}, images.Data, out, meta)
}

// readIDX decodes one file and returns its sha256 with it.
func readIDX(path string) (*idx.Array, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, imageset.FileError(err))
	}
	defer f.Close()
	h := sha256.New()
	tee := io.TeeReader(f, h)
	a, err := idx.Read(tee)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, imageset.FileError(err))
	}
	return a, h.Sum(nil), nil
}
