// Package experiments loads experiment files into typed, validated cells:
// the configuration language of ndalab.
//
// A file is YAML (default), TOML or JSON, chosen by extension. Keys are
// snake_case. "base: other.yaml" names a file of shared defaults (relative
// to this one) that is loaded first; maps merge key by key, and a scalar or
// list replaces whatever the base had under its key.
//
// Overrides, in increasing priority: environment variables, then --set.
// An environment variable NDALAB_<KEY> sets <key> in lower case with "__"
// between levels: NDALAB_TRAIN__STEPS=100 is train.steps=100 and
// NDALAB_MODEL__PARAMS__LR=1e-4 is model.params.lr. Only variables whose
// first level is an experiment key (name, task, train, eval, dataset, ...)
// are read, so NDALAB_LOG and the like stay out of configs. Values of both
// are read as YAML: "0.5", "true", "[1, 2]", "{name: jigsaw}".
//
// The keys (see schema.go for types, defaults and meanings):
//
//	name, description, out, task (gan|contrastive|anomaly|classifier), seeds
//	dataset, augmentation, views, model, features.model:
//	    name (a plugin) and params (checked against its descriptor)
//	features.checkpoint, or features.from: another experiment file (one
//	    classifier or contrastive cell) that trains the feature network; the
//	    runner runs it first or reuses its finished run
//	train.steps, batch_size, d_steps, lambda, conditional, log_every,
//	    checkpoint_every
//	eval.every, samples, grid, ema, primary, probe_samples
//	metrics: [fid, {name: kid, params: {...}}]
//	anomaly.load, anomaly.samples,
//	    anomaly.ood: [{name, dataset: {name, params}} | {name, augmentation: ...}]
//
// The matrix section varies any keys:
//
//	matrix:
//	  augmentation.name: [none, jigsaw]        # an axis (grid over axes)
//	  augmentation: [{name: none}, {name: cutout, params: {size: 8}}]
//	  zip: [{train.lambda: [0.1, 0.5], train.d_steps: [1, 2]}]  # vary together
//	  include: [{augmentation.name: stitch}]   # extra cells
//	  exclude: [{augmentation.name: none, train.lambda: 0.5}]   # drop matches
//	  seeds: [1, 2, 3]                         # or top-level seeds
//
// A map value stands for a whole section and replaces it. Axes are taken in
// key order (first slowest), seeds fastest, then include cells. Exclude
// drops grid cells on which the entry changes nothing once values are typed.
//
// Every cell has a stable ID: a hash of its resolved config (values of
// their declared types, plugin defaults filled in when descriptors are
// available, canonical sorted-key JSON) and its seed. Key order, number
// formatting (0.25, "0.25", 2.5e-1) and omitting a default do not change it.
package experiments
