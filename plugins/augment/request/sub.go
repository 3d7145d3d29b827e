package request

import (
	"fmt"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// SubParam declares the "params" key of augmentations that run others
// (choice, compose): entries "name.key=value". A list value keeps its
// commas: in "rotate.angles=90,180,jigsaw.k=3" the item "180" has no '=',
// so it continues the value before it.
func SubParam() core.Param {
	return core.Param{Name: "params", Type: core.TypeStrings, Default: "",
		Doc: "parameters of the inner augmentations, name.key=value (e.g. jigsaw.k=3)"}
}

// SubConfigs parses a SubParam list into one config per inner augmentation
// and resolves each against its descriptor. Errors name the outer
// component, the entry and the inner key.
func SubConfigs(outer string, list []string, inner map[string]*core.Descriptor) (map[string]core.Config, error) {
	raw := map[string]core.Config{}
	var last core.Config
	var lastKey string
	for _, item := range list {
		name, kv, dotted := strings.Cut(item, ".")
		key, value, hasValue := strings.Cut(kv, "=")
		if !hasValue || !dotted {
			if last == nil || strings.Contains(item, "=") {
				return nil, fmt.Errorf("%w: %s: parameter \"params\": entry %q is not name.key=value",
					core.ErrInvalidArgument, outer, item)
			}
			last[lastKey] = last[lastKey].(string) + "," + item
			continue
		}
		if _, ok := inner[name]; !ok {
			return nil, fmt.Errorf("%w: %s: parameter \"params\": %q names no inner augmentation",
				core.ErrInvalidArgument, outer, item)
		}
		if raw[name] == nil {
			raw[name] = core.Config{}
		}
		raw[name][key] = value
		last, lastKey = raw[name], key
	}
	out := map[string]core.Config{}
	for name, d := range inner {
		cfg, err := d.Resolve(raw[name])
		if err != nil {
			return nil, fmt.Errorf("%s: parameter \"params\": %w", outer, err)
		}
		out[name] = cfg
	}
	return out, nil
}
