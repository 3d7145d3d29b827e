// Package cifar serves CIFAR-10 and CIFAR-100 from their official binary
// versions (cifar-10-batches-bin, cifar-100-binary): 3×32×32 RGB images
// scaled to [-1, 1], with CIFAR-100's fine or coarse labels.
package cifar

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/datadir"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// Dataset is the cifar10 or cifar100 plugin. A split's files are read once
// per process and kept as bytes. It is safe for concurrent use.
type Dataset struct {
	name    string
	doc     string
	folder  string // the archive's folder inside the data set's directory
	files   map[core.Split][]string
	hundred bool // CIFAR-100: two label bytes, fine|coarse
	cache   imageset.Cache
	server  *imageset.Server
}

// New10 returns the cifar10 data set.
func New10() *Dataset {
	return &Dataset{
		name: "cifar10", doc: "CIFAR-10 binary version, 3×32×32, 10 classes",
		folder: "cifar-10-batches-bin",
		files: map[core.Split][]string{
			core.SplitTrain: {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
				"data_batch_4.bin", "data_batch_5.bin"},
			core.SplitTest: {"test_batch.bin"},
		},
		server: imageset.NewServer("dataset/cifar10"),
	}
}

// New100 returns the cifar100 data set.
func New100() *Dataset {
	return &Dataset{
		name: "cifar100", doc: "CIFAR-100 binary version, 3×32×32, 100 fine or 20 coarse classes",
		folder: "cifar-100-binary",
		files: map[core.Split][]string{
			core.SplitTrain: {"train.bin"},
			core.SplitTest:  {"test.bin"},
		},
		hundred: true,
		server:  imageset.NewServer("dataset/cifar100"),
	}
}

// Describe implements core.Component.
func (d *Dataset) Describe(context.Context) (*core.Descriptor, error) {
	params := []core.Param{
		{Name: "data_dir", Type: core.TypeString, Default: "",
			Doc: "data directory; empty: $NDALAB_DATA, else ~/.cache/ndalab/data"},
	}
	if d.hundred {
		params = append(params, core.Param{Name: "label", Type: core.TypeString, Default: "fine",
			Enum: []string{"fine", "coarse"}, Doc: "fine: 100 classes; coarse: 20 superclasses"})
	}
	return &core.Descriptor{Kind: core.KindDataset, Name: d.name, Version: "0.1.0",
		Doc: d.doc, Params: append(params, imageset.Params()...)}, nil
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
	layout := layout10
	if d.hundred {
		layout = layout100Fine
		if cfg.String("label") == "coarse" {
			layout = layout100Coarse
		}
	}
	sel, err := imageset.SelectionFrom(desc.ID(), cfg, layout.Classes)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	names, ok := d.files[split]
	if !ok {
		return nil, imageset.Selection{},
			fmt.Errorf("%w: dataset %s: unknown split %q (want train or test)",
				core.ErrInvalidArgument, d.name, split)
	}
	root, err := datadir.Dir(cfg.String("data_dir"))
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	dir := filepath.Join(root, d.name, d.folder)
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
	}
	for i, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, imageset.Selection{}, datadir.Missing(d.name, dir, names[i])
		}
	}
	// One CIFAR-100 file serves both label sets: the layout is part of the key.
	src, err := d.cache.Get(paths, layout.Name, func() (imageset.Source, error) {
		return Load(paths, layout, classNames(dir, layout))
	})
	if err != nil {
		return nil, imageset.Selection{}, fmt.Errorf("dataset %s: %w", d.name, err)
	}
	return src, sel, nil
}
