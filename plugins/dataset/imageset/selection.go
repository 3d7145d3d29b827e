package imageset

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/ndalab/ndalab/core"
)

// Params are the selection parameters every image data set declares.
func Params() []core.Param {
	return []core.Param{
		{Name: "classes", Type: core.TypeStrings, Default: "",
			Doc: "keep only these class indices (e.g. 0 for one-class setups); empty keeps all"},
		{Name: "subset", Type: core.TypeInt, Default: 0, Min: core.Bound(0),
			Doc: "use only this many samples of the split (0: all), fixed by subset_seed"},
		{Name: "subset_seed", Type: core.TypeInt, Default: 0,
			Doc: "seed choosing the subset; independent of the training seed"},
		{Name: "shuffle", Type: core.TypeBool, Default: true,
			Doc: "reshuffle the samples for every (seed, epoch)"},
	}
}

// Selection says which samples of a split a configuration uses, and in
// what order.
type Selection struct {
	Classes    []int // nil keeps every class
	Subset     int   // 0 keeps every sample
	SubsetSeed int64
	Shuffle    bool
}

// SelectionFrom reads the Params keys of a resolved config; classes must lie
// in [0, classes). Errors name the component and the key.
func SelectionFrom(component string, cfg core.Config, classes int) (Selection, error) {
	sel := Selection{
		Subset:     cfg.Int("subset"),
		SubsetSeed: int64(cfg.Int("subset_seed")),
		Shuffle:    cfg.Bool("shuffle"),
	}
	for _, s := range cfg.Strings("classes") {
		c, err := strconv.Atoi(s)
		if err != nil || c < 0 || c >= classes {
			return Selection{},
				fmt.Errorf("%w: %s: parameter \"classes\": %q is not a class index "+
					"in [0, %d)", core.ErrInvalidArgument, component, s, classes)
		}
		if !slices.Contains(sel.Classes, c) {
			sel.Classes = append(sel.Classes, c)
		}
	}
	slices.Sort(sel.Classes)
	return sel, nil
}

// key identifies the selection in memo tables.
func (s Selection) key() string {
	return fmt.Sprintf("%v/%d/%d/%t", s.Classes, s.Subset, s.SubsetSeed, s.Shuffle)
}

// indices returns the selected sample indices of src in their unshuffled
// order: the class filter first, then a subset drawn by SubsetSeed (kept in
// ascending order so that shuffling alone decides batch order).
func (s Selection) indices(component string, src Source) []int {
	n := src.Len()
	idx := make([]int, 0, n)
	for i := range n {
		if s.Classes == nil || slices.Contains(s.Classes, int(src.Label(i))) {
			idx = append(idx, i)
		}
	}
	if s.Subset > 0 && s.Subset < len(idx) {
		r := core.NewRand(s.SubsetSeed, component, 0, "subset")
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		idx = idx[:s.Subset]
		slices.Sort(idx)
	}
	return idx
}
