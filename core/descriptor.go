package core

import (
	"fmt"
	"regexp"
	"slices"
)

// Kind is one of the four component kinds.
type Kind string

// The component kinds.
const (
	KindDataset      Kind = "dataset"
	KindAugmentation Kind = "augmentation"
	KindModel        Kind = "model"
	KindMetric       Kind = "metric"
)

// AllKinds lists the kinds in display order.
var AllKinds = []Kind{KindDataset, KindAugmentation, KindModel, KindMetric}

// ParseKind checks s against the known kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range AllKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w: unknown component kind %q (want dataset, augmentation, model or metric)",
		ErrInvalidArgument, s)
}

// Capabilities a model may declare. The host checks them before it calls the
// matching method, so an encoder is never asked to score.
const (
	CapTrain    = "train"    // Step
	CapGenerate = "generate" // Generate
	CapScore    = "score"    // Score: raw discriminator logits
	CapEmbed    = "embed"    // Embed: backbone features
	CapClassify = "classify" // Classify: class logits
)

// Roles an augmentation may declare.
const (
	RoleNegative = "negative" // out-of-distribution samples for NDA
	RolePositive = "positive" // views of the same sample for contrastive learning
)

// Inputs a metric may declare; the runner gathers exactly these. Every input
// is a Batch: features are N×D×1×1, scores N×1×1×1, points N×2×1×1.
const (
	InputGeneratedFeatures = "generated_features"
	InputRealFeatures      = "real_features"
	InputScoresIn          = "scores_in"
	InputScoresOut         = "scores_out"
	InputTrainFeatures     = "train_features" // labelled
	InputTestFeatures      = "test_features"  // labelled
	InputGeneratedPoints   = "generated_points"
)

// Descriptor is what a component says about itself. The host validates
// configs against it before anything runs.
type Descriptor struct {
	Kind    Kind
	Name    string // lowercase, digits and '-', e.g. "fashion-mnist"
	Version string // semantic version of the component
	Doc     string // one line
	Params  []Param

	// Capabilities (models): CapTrain, CapGenerate, CapScore, CapEmbed.
	Capabilities []string
	// Roles (augmentations): RoleNegative and/or RolePositive.
	Roles []string
	// Inputs (metrics): the Input* names it needs.
	Inputs []string
	// Outputs (metrics): the value names it returns; the first is primary.
	Outputs []string
	// HigherIsBetter (metrics) applies to the primary output.
	HigherIsBetter bool
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Validate checks the descriptor's own consistency.
func (d *Descriptor) Validate() error {
	if _, err := ParseKind(string(d.Kind)); err != nil {
		return fmt.Errorf("descriptor %q: %w", d.Name, err)
	}
	if !namePattern.MatchString(d.Name) {
		return fmt.Errorf("%w: descriptor name %q: want lowercase words joined by '-'",
			ErrInvalidArgument, d.Name)
	}
	if d.Version == "" {
		return fmt.Errorf("%w: descriptor %s/%s has no version", ErrInvalidArgument, d.Kind, d.Name)
	}
	seen := map[string]bool{}
	for _, p := range d.Params {
		if seen[p.Name] {
			return fmt.Errorf("%w: %s/%s declares parameter %q twice", ErrInvalidArgument, d.Kind, d.Name, p.Name)
		}
		seen[p.Name] = true
		if err := p.validate(); err != nil {
			return fmt.Errorf("%s/%s: %w", d.Kind, d.Name, err)
		}
	}
	return nil
}

// Has reports whether the descriptor lists capability, role or input s.
func (d *Descriptor) Has(s string) bool {
	return slices.Contains(d.Capabilities, s) || slices.Contains(d.Roles, s) ||
		slices.Contains(d.Inputs, s)
}

// Param returns the parameter called name.
func (d *Descriptor) Param(name string) (Param, bool) {
	for _, p := range d.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ID is "kind/name", the form used on the command line and in logs.
func (d *Descriptor) ID() string { return string(d.Kind) + "/" + d.Name }
