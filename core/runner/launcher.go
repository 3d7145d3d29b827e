package runner

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/ndalab/ndalab/core"
)

// Launcher starts components. Each Start returns a fresh component (for
// out-of-process plugins, a fresh process); the Closer ends it.
type Launcher interface {
	Start(ctx context.Context, kind core.Kind, name string) (core.Component, io.Closer, error)
}

// Checksummer is a Launcher that also knows the sha256 of a plugin's
// executable, for reproducibility records.
type Checksummer interface {
	Checksum(kind core.Kind, name string) string
}

// Catalog describes plugins by starting each once and caching its
// descriptor. It is safe for concurrent use.
type Catalog struct {
	launch Launcher
	mu     sync.Mutex
	descs  map[string]*core.Descriptor
	sums   map[string]string // dataset checksums by name and config
}

// NewCatalog returns a Catalog over l.
func NewCatalog(l Launcher) *Catalog {
	return &Catalog{launch: l, descs: map[string]*core.Descriptor{}, sums: map[string]string{}}
}

// DatasetChecksum returns the content hash of dataset name's training split
// under cfg (a resolved config), starting the dataset once per name and
// config.
func (c *Catalog) DatasetChecksum(ctx context.Context, name string, cfg core.Config) (string, error) {
	raw, err := cfg.MarshalCanonical()
	if err != nil {
		return "", err
	}
	key := name + " " + string(raw)
	c.mu.Lock()
	sum, ok := c.sums[key]
	c.mu.Unlock()
	if ok {
		return sum, nil
	}
	comp, closer, err := c.launch.Start(ctx, core.KindDataset, name)
	if err != nil {
		return "", fmt.Errorf("start dataset/%s: %w", name, err)
	}
	defer closer.Close()
	ds, ok := comp.(core.Dataset)
	if !ok {
		return "", fmt.Errorf("%w: dataset/%s is not a dataset", core.ErrFailedPrecondition, name)
	}
	info, err := ds.Info(ctx, cfg, core.SplitTrain)
	if err != nil {
		return "", fmt.Errorf("dataset/%s: %w", name, err)
	}
	c.mu.Lock()
	c.sums[key] = info.Checksum
	c.mu.Unlock()
	return info.Checksum, nil
}

// Describe returns the validated descriptor of kind/name.
func (c *Catalog) Describe(ctx context.Context, kind core.Kind, name string) (*core.Descriptor,
	error) {
	id := string(kind) + "/" + name
	c.mu.Lock()
	d, ok := c.descs[id]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	comp, closer, err := c.launch.Start(ctx, kind, name)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	defer closer.Close()
	d, err = describe(ctx, comp, kind, name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.descs[id] = d
	c.mu.Unlock()
	return d, nil
}

// describe asks a component for its descriptor and checks that it is the
// component that was asked for.
func describe(ctx context.Context, comp core.Component, kind core.Kind,
	name string) (*core.Descriptor, error) {
	id := string(kind) + "/" + name
	d, err := comp.Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", id, err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("describe %s: %w", id, err)
	}
	if d.Kind != kind || d.Name != name {
		return nil, fmt.Errorf("%w: started %s but it describes itself as %s",
			core.ErrFailedPrecondition, id, d.ID())
	}
	return d, nil
}

// started is one running component with its descriptor.
type started struct {
	comp   core.Component
	desc   *core.Descriptor
	closer io.Closer
}

// pool keeps the stateless components (datasets, augmentations, metrics) of
// one worker running across cells; models are started per cell.
type pool struct {
	launch Launcher
	mu     sync.Mutex
	live   map[string]*started
}

func newPool(l Launcher) *pool { return &pool{launch: l, live: map[string]*started{}} }

// get returns the pooled component kind/name, starting it on first use.
func (p *pool) get(ctx context.Context, kind core.Kind, name string) (*started, error) {
	id := string(kind) + "/" + name
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.live[id]; ok {
		return s, nil
	}
	s, err := start(ctx, p.launch, kind, name)
	if err != nil {
		return nil, err
	}
	p.live[id] = s
	return s, nil
}

// start launches and describes one component.
func start(ctx context.Context, l Launcher, kind core.Kind, name string) (*started, error) {
	comp, closer, err := l.Start(ctx, kind, name)
	if err != nil {
		return nil, fmt.Errorf("start %s/%s: %w", kind, name, err)
	}
	d, err := describe(ctx, comp, kind, name)
	if err != nil {
		closer.Close()
		return nil, err
	}
	return &started{comp: comp, desc: d, closer: closer}, nil
}

// close ends every pooled component.
func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for id, s := range p.live {
		if err := s.closer.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", id, err)
		}
		delete(p.live, id)
	}
	return first
}
