package imagefolder

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"sync"

	"golang.org/x/image/draw"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// files is one split: image paths and labels; each image is decoded on
// first use and kept as C×size×size bytes. It implements imageset.Source.
type files struct {
	opts   options
	paths  []string
	labels []int32
	meta   imageset.Meta

	mu      sync.Mutex
	decoded [][]uint8
}

func (f *files) Len() int            { return len(f.paths) }
func (f *files) Shape() [3]int       { return [3]int{f.opts.channels, f.opts.size, f.opts.size} }
func (f *files) Label(i int) int32   { return f.labels[i] }
func (f *files) Meta() imageset.Meta { return f.meta }

// Pixels decodes image i (once) and copies it into dst.
func (f *files) Pixels(i int, dst []uint8) error {
	f.mu.Lock()
	px := f.decoded[i]
	f.mu.Unlock()
	if px == nil {
		var err error
		if px, err = decode(f.paths[i], f.opts); err != nil {
			return err
		}
		f.mu.Lock()
		f.decoded[i] = px
		f.mu.Unlock()
	}
	copy(dst, px)
	return nil
}

// decode reads one image, scales its centred square crop to size×size and
// returns its planes (R, G, B or grey).
func decode(path string, opts options) ([]uint8, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, imageset.FileError(err))
	}
	defer file.Close()
	img, _, err := image.Decode(file)
	if err != nil {
		return nil, fmt.Errorf("%w: decode %s: %v", core.ErrInvalidArgument, path, err)
	}
	b := img.Bounds()
	if !opts.resize && (b.Dx() != opts.size || b.Dy() != opts.size) {
		return nil, fmt.Errorf("%w: %s: image is %d×%d, want %d×%d",
			core.ErrInvalidArgument, path, b.Dx(), b.Dy(), opts.size, opts.size)
	}

	// The centred square of side min(W, H), scaled to size: the same as
	// resizing the shorter side and cropping the centre.
	m := min(b.Dx(), b.Dy())
	crop := image.Rect(0, 0, m, m).Add(b.Min).Add(image.Pt((b.Dx()-m)/2, (b.Dy()-m)/2))
	n := opts.size
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, draw.Src, nil)

	out := make([]uint8, opts.channels*n*n)
	for y := range n {
		for x := range n {
			c := dst.RGBAAt(x, y)
			j := y*n + x
			if opts.channels == 1 {
				out[j] = color.GrayModel.Convert(c).(color.Gray).Y
				continue
			}
			out[j], out[n*n+j], out[2*n*n+j] = c.R, c.G, c.B
		}
	}
	return out, nil
}
