// Package imagefolder serves a folder of PNG and JPEG images, one
// sub-folder per class, resized (shorter side) and centre-cropped to a
// square of a configured size. Images are decoded when first asked for and
// kept as bytes for the life of the process.
//
// Layout: ROOT/train/CLASS/* and ROOT/test/CLASS/* when both exist;
// otherwise ROOT/CLASS/*, split by a hash of each file's path so that a
// fixed fraction goes to test.
package imagefolder

import (
	"context"
	"fmt"
	"sync"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// Dataset is the imagefolder plugin. It is safe for concurrent use.
type Dataset struct {
	server *imageset.Server

	mu      sync.Mutex
	folders map[string]*folder // by the configuration that scanned it
}

// New returns the imagefolder data set.
func New() *Dataset {
	return &Dataset{server: imageset.NewServer("dataset/imagefolder"),
		folders: map[string]*folder{}}
}

// Describe implements core.Component.
func (d *Dataset) Describe(context.Context) (*core.Descriptor, error) {
	params := []core.Param{
		{Name: "root", Type: core.TypeString,
			Doc: "folder holding one sub-folder per class (or train/ and test/ folders of them)"},
		{Name: "size", Type: core.TypeInt, Default: 32, Min: core.Bound(4), Max: core.Bound(1024),
			Doc: "side of the square images served, in pixels"},
		{Name: "channels", Type: core.TypeInt, Default: 3, Min: core.Bound(1), Max: core.Bound(3),
			Doc: "3 for RGB, 1 for grey (2 is refused)"},
		{Name: "resize", Type: core.TypeBool, Default: true,
			Doc: "resize and centre-crop; false requires every image to be size×size already"},
		{Name: "test_fraction", Type: core.TypeFloat, Default: 0.1, Min: core.Bound(0),
			Max: core.Bound(1),
			Doc: "share of files hashed into the test split when there are no train/ and test/ folders"},
	}
	return &core.Descriptor{Kind: core.KindDataset, Name: "imagefolder", Version: "0.1.0",
		Doc:    "PNG/JPEG files in one folder per class, resized and centre-cropped",
		Params: append(params, imageset.Params()...)}, nil
}

// Info implements core.Dataset.
func (d *Dataset) Info(ctx context.Context, cfg core.Config, split core.Split) (core.DatasetInfo, error) {
	src, sel, err := d.open(ctx, cfg, split)
	if err != nil {
		return core.DatasetInfo{}, err
	}
	return d.server.Info(src, sel), nil
}

// Batch implements core.Dataset.
func (d *Dataset) Batch(ctx context.Context, req core.BatchRequest) (*core.Batch, error) {
	src, sel, err := d.open(ctx, req.Config, req.Split)
	if err != nil {
		return nil, err
	}
	return d.server.Batch(ctx, src, sel, req)
}

func (d *Dataset) open(
	ctx context.Context, cfg core.Config, split core.Split,
) (imageset.Source, imageset.Selection, error) {
	desc, _ := d.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	opts := options{
		root: cfg.String("root"), size: cfg.Int("size"), channels: cfg.Int("channels"),
		resize: cfg.Bool("resize"), testFraction: cfg.Float("test_fraction"),
	}
	if opts.channels == 2 {
		return nil, imageset.Selection{},
			fmt.Errorf("%w: dataset imagefolder: parameter \"channels\": "+
				"want 1 or 3, not 2", core.ErrInvalidArgument)
	}
	if split != core.SplitTrain && split != core.SplitTest {
		return nil, imageset.Selection{}, fmt.Errorf("%w: dataset imagefolder: unknown split %q "+
			"(want train or test)", core.ErrInvalidArgument, split)
	}

	// TODO(ndalab): scanning reads every file up front for the content
	// checksum; on folders of millions of files a cheaper identity (sizes and
	// mtimes, or a manifest) would be needed.
	// Scanning reads every file once (for the checksum and a header check),
	// so each folder configuration is scanned once per process.
	key := fmt.Sprintf("%+v", opts)
	d.mu.Lock()
	f, ok := d.folders[key]
	if !ok {
		f, err = scan(ctx, opts)
		if err != nil {
			d.mu.Unlock()
			return nil, imageset.Selection{}, fmt.Errorf("dataset imagefolder: %w", err)
		}
		d.folders[key] = f
	}
	d.mu.Unlock()

	src := f.splits[split]
	sel, err := imageset.SelectionFrom(desc.ID(), cfg, src.Meta().Classes)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	return src, sel, nil
}
