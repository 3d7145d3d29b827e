package experiments

import (
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/runner"
)

// The keys that hold something other than one typed value.
const (
	keyBase     = "base" // the file this one extends
	keyName     = "name" // experiment name; defaults to the file's base name
	keyDoc      = "description"
	keyOut      = "out"     // output directory
	keySeeds    = "seeds"   // the seed axis
	keyMetrics  = "metrics" // list of {name, params}
	keyOOD      = "anomaly.ood"
	keyMatrix   = "matrix"
	paramsInfix = ".params"
)

// componentKeys are the config sections that name a plugin: "<section>.name"
// picks it and "<section>.params.*" are its parameters, checked against its
// descriptor.
var componentKeys = map[string]core.Kind{
	"dataset":        core.KindDataset,
	"augmentation":   core.KindAugmentation,
	"views":          core.KindAugmentation,
	"model":          core.KindModel,
	"features.model": core.KindModel,
}

// taskNames are the allowed values of "task".
func taskNames() []string {
	out := make([]string, len(runner.Tasks))
	for i, t := range runner.Tasks {
		out[i] = string(t)
	}
	return out
}

// schema declares every typed key an experiment file may set, with its type,
// default and meaning. The core.Param machinery converts and checks values,
// so experiment keys and plugin parameters follow the same rules.
func schema() []core.Param {
	pos := core.Bound(1)
	nonneg := core.Bound(0)
	return []core.Param{
		{Name: keyName, Type: core.TypeString, Default: "",
			Doc: "experiment name (default: file name)"},
		{Name: keyDoc, Type: core.TypeString, Default: "", Doc: "one line for people"},
		{Name: keyOut, Type: core.TypeString, Default: "runs",
			Doc: "output directory for artifacts"},
		{Name: "task", Type: core.TypeString, Doc: "what to run", Enum: taskNames()},

		{Name: "dataset.name", Type: core.TypeString, Doc: "dataset plugin"},
		{Name: "augmentation.name", Type: core.TypeString, Default: runner.NoAugmentation,
			Doc: "NDA augmentation plugin (role negative), or none"},
		{Name: "views.name", Type: core.TypeString, Default: "",
			Doc: "contrastive: positive-view augmentation plugin"},
		{Name: "model.name", Type: core.TypeString, Doc: "model plugin"},
		{Name: "features.model.name", Type: core.TypeString, Default: "",
			Doc: "feature network (an embed-capable model) for metrics"},
		{Name: "features.checkpoint", Type: core.TypeString, Default: "",
			Doc: "checkpoint of the feature network (a classifier run's best.ckpt)"},
		{Name: "features.from", Type: core.TypeString, Default: "",
			Doc: "experiment file (one cell) that trains the feature network; run first"},

		{Name: "train.steps", Type: core.TypeInt, Min: pos, Doc: "generator (or encoder) steps"},
		{Name: "train.batch_size", Type: core.TypeInt, Default: 64, Min: pos,
			Doc: "samples per batch"},
		{Name: "train.d_steps", Type: core.TypeInt, Default: 1, Min: pos,
			Doc: "discriminator steps per generator step"},
		{Name: "train.lambda", Type: core.TypeFloat, Default: 0.25, Min: nonneg, Max: core.Bound(1),
			Doc: "NDA weight handed to the discriminator step"},
		{Name: "train.conditional", Type: core.TypeBool, Default: false,
			Doc: "class-conditional training and sampling"},
		{Name: "train.log_every", Type: core.TypeInt, Default: 10, Min: pos,
			Doc: "record losses every this many steps"},
		{Name: "train.checkpoint_every", Type: core.TypeInt, Default: 0, Min: nonneg,
			Doc: "write the last checkpoint every this many steps (0: at evals)"},

		{Name: "eval.every", Type: core.TypeInt, Default: 0, Min: nonneg,
			Doc: "evaluate every this many steps (0: only at the end)"},
		{Name: "eval.samples", Type: core.TypeInt, Default: 1000, Min: pos,
			Doc: "generated and real samples handed to metrics"},
		{Name: "eval.grid", Type: core.TypeInt, Default: 64, Min: pos,
			Doc: "samples in the sample grid"},
		{Name: "eval.ema", Type: core.TypeBool, Default: false, Doc: "sample with EMA weights"},
		{Name: "eval.primary", Type: core.TypeString, Default: "",
			Doc: "metric output that picks the best checkpoint (default: first metric's first)"},
		{Name: "eval.probe_samples", Type: core.TypeInt, Default: 2000, Min: pos,
			Doc: "contrastive: labelled train samples embedded for the probes"},

		{Name: "anomaly.load", Type: core.TypeString, Default: "",
			Doc: "GAN checkpoint to score with instead of training"},
		{Name: "anomaly.samples", Type: core.TypeInt, Default: 1000, Min: pos,
			Doc: "test samples scored per set"},
	}
}

// lookupParam finds the schema entry for a flat key.
func lookupParam(params []core.Param, key string) (core.Param, bool) {
	i := slices.IndexFunc(params, func(p core.Param) bool { return p.Name == key })
	if i < 0 {
		return core.Param{}, false
	}
	return params[i], true
}

// knownUnder lists the keys one level below prefix (e.g. "train"), for
// "unknown key" messages.
func knownUnder(params []core.Param, prefix string) []string {
	var out []string
	for _, p := range params {
		rest, ok := strings.CutPrefix(p.Name, prefix+".")
		if prefix == "" {
			rest, ok = p.Name, true
		}
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(out, first) {
			out = append(out, first)
		}
	}
	if prefix == "" {
		out = append(out, keyBase, keySeeds, keyMetrics, "anomaly", keyMatrix)
	}
	for sec := range componentKeys {
		if rest, ok := strings.CutPrefix(sec, prefix+"."); ok && prefix != "" {
			out = append(out, rest)
		}
		if prefix == sec {
			out = append(out, "params")
		}
	}
	if prefix == "anomaly" {
		out = append(out, "ood")
	}
	slices.Sort(out)
	return slices.Compact(out)
}
