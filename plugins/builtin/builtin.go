// Package builtin lists the components that the ndalab binary serves itself
// (ndalab plugin serve KIND/NAME). It is the one place where built-ins are
// registered; the list is sorted by kind, then name.
package builtin

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/choice"
	"github.com/ndalab/ndalab/plugins/augment/cutmix"
	"github.com/ndalab/ndalab/plugins/augment/cutout"
	"github.com/ndalab/ndalab/plugins/augment/jigsaw"
	"github.com/ndalab/ndalab/plugins/augment/mixup"
	"github.com/ndalab/ndalab/plugins/augment/none"
	"github.com/ndalab/ndalab/plugins/augment/positive"
	"github.com/ndalab/ndalab/plugins/augment/rotate"
	"github.com/ndalab/ndalab/plugins/augment/stitch"
	"github.com/ndalab/ndalab/plugins/dataset/cifar"
	"github.com/ndalab/ndalab/plugins/dataset/imagefolder"
	"github.com/ndalab/ndalab/plugins/dataset/mnist"
	"github.com/ndalab/ndalab/plugins/dataset/toy2d"
	"github.com/ndalab/ndalab/plugins/metric/auroc"
	"github.com/ndalab/ndalab/plugins/metric/fid"
	"github.com/ndalab/ndalab/plugins/metric/kid"
	"github.com/ndalab/ndalab/plugins/metric/knn"
	"github.com/ndalab/ndalab/plugins/metric/linearprobe"
	"github.com/ndalab/ndalab/plugins/metric/ndaregion"
	"github.com/ndalab/ndalab/plugins/metric/prdc"
	"github.com/ndalab/ndalab/plugins/model/biggan32"
	"github.com/ndalab/ndalab/plugins/model/classifier"
	"github.com/ndalab/ndalab/plugins/model/dcgan"
	"github.com/ndalab/ndalab/plugins/model/encoder"
	"github.com/ndalab/ndalab/plugins/model/inceptionv3"
	"github.com/ndalab/ndalab/plugins/model/mlpgan"
)

// Plugin is one built-in component.
type Plugin struct {
	Kind core.Kind
	Name string
	// New returns a fresh component; each plugin process calls it once.
	New func() core.Component
}

// ID is "kind/name".
func (p Plugin) ID() string { return string(p.Kind) + "/" + p.Name }

// All returns every built-in, sorted by kind then name.
func All() []Plugin {
	all := []Plugin{
		// Each entry: {Kind: core.KindX, Name: "name", New: func() core.Component { return pkg.New() }},
		{Kind: core.KindModel, Name: "biggan32", New: func() core.Component { return biggan32.New() }},
		{Kind: core.KindModel, Name: "classifier", New: func() core.Component { return classifier.New() }},
		{Kind: core.KindModel, Name: "dcgan", New: func() core.Component { return dcgan.New() }},
		{Kind: core.KindModel, Name: "encoder", New: func() core.Component { return encoder.New() }},
		{Kind: core.KindModel, Name: "inception-v3", New: func() core.Component { return inceptionv3.New() }},
		{Kind: core.KindModel, Name: "mlp-gan", New: func() core.Component { return mlpgan.New() }},
		{Kind: core.KindDataset, Name: "cifar10", New: func() core.Component { return cifar.New10() }},
		{Kind: core.KindDataset, Name: "cifar100", New: func() core.Component { return cifar.New100() }},
		{Kind: core.KindDataset, Name: "imagefolder", New: func() core.Component { return imagefolder.New() }},
		{Kind: core.KindAugmentation, Name: "blur", New: func() core.Component { return positive.NewBlur() }},
		{Kind: core.KindAugmentation, Name: "compose", New: func() core.Component { return positive.NewCompose() }},
		{Kind: core.KindAugmentation, Name: "crop", New: func() core.Component { return positive.NewCrop() }},
		{Kind: core.KindAugmentation, Name: "flip", New: func() core.Component { return positive.NewFlip() }},
		{Kind: core.KindAugmentation, Name: "grayscale", New: func() core.Component { return positive.NewGrayscale() }},
		{Kind: core.KindAugmentation, Name: "jitter", New: func() core.Component { return positive.NewJitter() }},
		{Kind: core.KindDataset, Name: "mnist", New: func() core.Component { return mnist.New() }},
		{Kind: core.KindDataset, Name: "fashion-mnist", New: func() core.Component { return mnist.NewFashion() }},
		{Kind: core.KindDataset, Name: "toy2d", New: func() core.Component { return toy2d.New() }},
		{Kind: core.KindAugmentation, Name: "choice", New: func() core.Component { return choice.New() }},
		{Kind: core.KindAugmentation, Name: "cutmix", New: func() core.Component { return cutmix.New() }},
		{Kind: core.KindAugmentation, Name: "cutout", New: func() core.Component { return cutout.New() }},
		{Kind: core.KindAugmentation, Name: "jigsaw", New: func() core.Component { return jigsaw.New() }},
		{Kind: core.KindAugmentation, Name: "mixup", New: func() core.Component { return mixup.New() }},
		{Kind: core.KindAugmentation, Name: "none", New: func() core.Component { return none.New() }},
		{Kind: core.KindAugmentation, Name: "rotate", New: func() core.Component { return rotate.New() }},
		{Kind: core.KindAugmentation, Name: "stitch", New: func() core.Component { return stitch.New() }},
		{Kind: core.KindAugmentation, Name: "toy2d-forbidden", New: func() core.Component { return toy2d.NewForbidden() }},
		{Kind: core.KindMetric, Name: auroc.Name, New: func() core.Component { return auroc.New() }},
		{Kind: core.KindMetric, Name: fid.Name, New: func() core.Component { return fid.New() }},
		{Kind: core.KindMetric, Name: kid.Name, New: func() core.Component { return kid.New() }},
		{Kind: core.KindMetric, Name: knn.Name, New: func() core.Component { return knn.New() }},
		{Kind: core.KindMetric, Name: linearprobe.Name, New: func() core.Component { return linearprobe.New() }},
		{Kind: core.KindMetric, Name: ndaregion.Name, New: func() core.Component { return ndaregion.New() }},
		{Kind: core.KindMetric, Name: prdc.Name, New: func() core.Component { return prdc.New() }},
	}
	slices.SortFunc(all, func(a, b Plugin) int { return strings.Compare(a.ID(), b.ID()) })
	return all
}

// Lookup finds the built-in with the given "kind/name".
func Lookup(id string) (Plugin, error) {
	for _, p := range All() {
		if p.ID() == id {
			return p, nil
		}
	}
	return Plugin{}, fmt.Errorf("%w: no built-in plugin %q", core.ErrNotFound, id)
}
