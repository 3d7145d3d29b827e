package dcgan

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/nn"
	"github.com/ndalab/ndalab/plugins/model/internal/gan"
)

// arch is the architecture and training setup a resolved config fixes.
type arch struct {
	Channels, Size int // image C and H = W
	ZDim, Width    int
	Classes        int // 0: unconditional
	SpectralNorm   bool
	gan.Optim
	Workers int
}

// params declares the configuration keys of the dcgan model.
func params() []core.Param {
	own := []core.Param{
		{Name: "channels", Type: core.TypeInt, Default: 1, Doc: "image channels: 1 or 3",
			Min: core.Bound(1), Max: core.Bound(3)},
		{Name: "size", Type: core.TypeInt, Default: 28, Doc: "image height and width: 28 or 32",
			Min: core.Bound(28), Max: core.Bound(32)},
		{Name: "z_dim", Type: core.TypeInt, Default: 64, Doc: "noise dimension",
			Min: core.Bound(1), Max: core.Bound(4096)},
		{Name: "width", Type: core.TypeInt, Default: 64,
			Doc: "base channel count (D: width, 2·width; G: 2·width, width)",
			Min: core.Bound(1), Max: core.Bound(1024)},
		{Name: "classes", Type: core.TypeInt, Default: 0,
			Doc: "classes for a conditional GAN (conditional BN, projection D); 0 = unconditional",
			Min: core.Bound(0), Max: core.Bound(1000)},
		{Name: "spectral_norm", Type: core.TypeBool, Default: false,
			Doc: "spectral norm on every D layer"},
	}
	own = append(own, nn.ComputeParams(0)...)
	return append(own, gan.OptimParams(gan.Optim{LRG: 2e-4, LRD: 2e-4, Beta1: 0.5, Beta2: 0.999,
		EMADecay: 0.999})...)
}

// archOf reads a resolved config.
func archOf(cfg core.Config) (arch, error) {
	a := arch{
		Channels: cfg.Int("channels"), Size: cfg.Int("size"),
		ZDim: cfg.Int("z_dim"), Width: cfg.Int("width"), Classes: cfg.Int("classes"),
		SpectralNorm: cfg.Bool("spectral_norm"),
		Optim:        gan.OptimOf(cfg),
	}
	compute, err := nn.ComputeOf(cfg)
	if err != nil {
		return arch{}, fmt.Errorf("%s: %w", component, err)
	}
	a.Workers = compute.Workers
	if a.Channels != 1 && a.Channels != 3 {
		return arch{}, fmt.Errorf("%w: model/dcgan: parameter \"channels\" is %d, want 1 or 3",
			core.ErrInvalidArgument, a.Channels)
	}
	if a.Size != 28 && a.Size != 32 {
		return arch{}, fmt.Errorf("%w: model/dcgan: parameter \"size\" is %d, want 28 or 32",
			core.ErrInvalidArgument, a.Size)
	}
	return a, nil
}

// feat is the length of D's flattened features and of G's first layer.
func (a arch) feat() int { return 2 * a.Width * (a.Size / 4) * (a.Size / 4) }

// imageSize is C·H·W of one image.
func (a arch) imageSize() int { return a.Channels * a.Size * a.Size }
