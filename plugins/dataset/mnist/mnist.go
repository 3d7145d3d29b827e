// Package mnist serves MNIST and Fashion-MNIST from their IDX files (raw or
// gzip) in the data directory: 28×28 grey images scaled to [-1, 1], with
// labels 0-9.
package mnist

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// side is the height and width of every MNIST-format image.
const side = 28

// Dataset is the mnist or fashion-mnist plugin. It decodes a split the first
// time it is asked for and keeps it as uint8 for the life of the process.
// It is safe for concurrent use.
type Dataset struct {
	name       string
	doc        string
	classNames []string
	cache      imageset.Cache
	server     *imageset.Server
}

// New returns the mnist data set.
func New() *Dataset {
	return newDataset("mnist", "MNIST handwritten digits, 1×28×28, labels 0-9",
		[]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
}

// NewFashion returns the fashion-mnist data set.
func NewFashion() *Dataset {
	return newDataset("fashion-mnist", "Zalando Fashion-MNIST, 1×28×28, 10 clothing classes",
		[]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
			"Sneaker", "Bag", "Ankle boot"})
}

func newDataset(name, doc string, classes []string) *Dataset {
	return &Dataset{name: name, doc: doc, classNames: classes,
		server: imageset.NewServer("dataset/" + name)}
}

// Describe implements core.Component.
func (d *Dataset) Describe(ctx context.Context) (*core.Descriptor, error) {
	params := append([]core.Param{
		{Name: "data_dir", Type: core.TypeString, Default: "",
			Doc: "data directory; empty: $NDALAB_DATA, else ~/.cache/ndalab/data"},
	}, imageset.Params()...)
	return &core.Descriptor{Kind: core.KindDataset, Name: d.name, Version: "0.1.0",
		Doc: d.doc, Params: params}, nil
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

// open resolves cfg and returns the decoded split.
func (d *Dataset) open(
	ctx context.Context, cfg core.Config, split core.Split,
) (imageset.Source, imageset.Selection, error) {
	desc, _ := d.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	sel, err := imageset.SelectionFrom(desc.ID(), cfg, len(d.classNames))
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	prefix, err := filePrefix(split)
	if err != nil {
		return nil, imageset.Selection{}, fmt.Errorf("dataset %s: %w", d.name, err)
	}
	root, err := datadir.Dir(cfg.String("data_dir"))
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	dir := filepath.Join(root, d.name)
	images, err := find(d.name, dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	labels, err := find(d.name, dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	src, err := d.cache.Get([]string{images, labels}, "", func() (imageset.Source, error) {
		return Load(images, labels, d.classNames)
	})
	if err != nil {
		return nil, imageset.Selection{}, fmt.Errorf("dataset %s: %w", d.name, err)
	}
	return src, sel, nil
}

// filePrefix maps a split to the IDX file names' prefix.
func filePrefix(split core.Split) (string, error) {
	switch split {
	case core.SplitTrain:
		return "train", nil
	case core.SplitTest:
		return "t10k", nil
	}
	return "", fmt.Errorf("%w: unknown split %q (want train or test)", core.ErrInvalidArgument,
		split)
}

// find returns base.gz or base in dir, whichever exists, gzip first.
func find(name, dir, base string) (string, error) {
	for _, f := range []string{base + ".gz", base} {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", datadir.Missing(name, dir, base+".gz")
}
