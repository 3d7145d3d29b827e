package toy2d

import (
	"context"
	"fmt"
	"sync"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// Dataset is the toy2d plugin: points N×2×1×1, labelled by their mode. Each
// split is drawn once per (geometry, size, data seed) and kept in memory.
// It is safe for concurrent use.
type Dataset struct {
	server *imageset.Server

	mu    sync.Mutex
	cache map[string]*points
}

// New returns the toy2d data set.
func New() *Dataset {
	return &Dataset{server: imageset.NewServer("dataset/toy2d"), cache: map[string]*points{}}
}

// Describe implements core.Component.
func (d *Dataset) Describe(context.Context) (*core.Descriptor, error) {
	params := append(GeometryParams(),
		core.Param{Name: "train_size", Type: core.TypeInt, Default: 50000, Min: core.Bound(1),
			Max: core.Bound(1e8),
			Doc: "points in the train split"},
		core.Param{Name: "test_size", Type: core.TypeInt, Default: 10000, Min: core.Bound(1),
			Max: core.Bound(1e8),
			Doc: "points in the test split"},
		core.Param{Name: "data_seed", Type: core.TypeInt, Default: 0,
			Doc: "seed of the points themselves; the training seed only shuffles"},
	)
	params = append(params, imageset.Params()...)
	return &core.Descriptor{Kind: core.KindDataset, Name: "toy2d", Version: "0.1.0",
		Doc:    "2-D Gaussians on a ring or grid with a forbidden region, points N×2×1×1",
		Params: params}, nil
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
) (*points, imageset.Selection, error) {
	desc, _ := d.Describe(ctx)
	cfg, err := desc.Resolve(cfg)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	g, err := GeometryFrom(cfg)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	sel, err := imageset.SelectionFrom(desc.ID(), cfg, g.Modes)
	if err != nil {
		return nil, imageset.Selection{}, err
	}
	var n int
	switch split {
	case core.SplitTrain:
		n = cfg.Int("train_size")
	case core.SplitTest:
		n = cfg.Int("test_size")
	default:
		return nil, imageset.Selection{},
			fmt.Errorf("%w: dataset toy2d: unknown split %q (want train or test)",
				core.ErrInvalidArgument, split)
	}
	seed := int64(cfg.Int("data_seed"))
	key := fmt.Sprintf("%+v/%s/%d/%d", g, split, n, seed)

	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.cache[key]
	if !ok {
		p = drawPoints(g, split, n, seed)
		d.cache[key] = p
	}
	return p, sel, nil
}
