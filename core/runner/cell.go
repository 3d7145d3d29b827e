package runner

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
)

// Task names what a cell trains and evaluates.
type Task string

// The tasks.
const (
	// TaskGAN trains a GAN, optionally with NDA negatives fed to D as fakes.
	TaskGAN Task = "gan"
	// TaskContrastive trains an encoder on two positive views plus NDA
	// negatives and evaluates frozen features by linear probe and kNN.
	TaskContrastive Task = "contrastive"
	// TaskAnomaly trains (or loads) a GAN and scores in-distribution test
	// data against out-of-distribution sets by discriminator logit.
	TaskAnomaly Task = "anomaly"
	// TaskClassifier trains the feature network that FID uses and records
	// its test accuracy.
	TaskClassifier Task = "classifier"
)

// Tasks lists the tasks in display order.
var Tasks = []Task{TaskGAN, TaskContrastive, TaskAnomaly, TaskClassifier}

// NoAugmentation is the augmentation name of the baseline: no NDA batch is
// made or sent.
const NoAugmentation = "none"

// Component names a plugin and the parameters the experiment gave it. Params
// hold what the file set, converted to the declared types where descriptors
// were available; the runner resolves them again (defaults filled) before
// anything trains.
type Component struct {
	Name   string
	Params core.Config
}

// Set reports whether a component is configured (Name not empty or "none").
func (c Component) Set() bool { return c.Name != "" && c.Name != NoAugmentation }

// Train holds the training-loop settings of a cell.
type Train struct {
	Steps           int64   // generator (or encoder/classifier) steps
	BatchSize       int     // samples per batch
	DSteps          int     // discriminator steps per generator step (gan)
	Lambda          float64 // NDA weight handed to the model's D step
	Conditional     bool    // pass labels to the model and to Generate
	LogEvery        int64   // record losses every this many steps
	CheckpointEvery int64   // write the last checkpoint every this many steps (0: at evals)
}

// Eval holds the evaluation schedule of a cell.
type Eval struct {
	Every        int64  // evaluate every this many steps; 0: only at the end
	Samples      int    // generated (and real) samples handed to metrics
	Grid         int    // samples in the sample grid PNG
	EMA          bool   // generate with EMA weights
	Primary      string // metric output that picks the best checkpoint
	ProbeSamples int    // contrastive: labelled train samples embedded for probes
}

// Features is the feature network that embeds real and generated images for
// metrics. Checkpoint is a file written by a classifier run. From, when set,
// is the cell (of another experiment, usually a classifier) that trains the
// network: the runner runs it first, or reuses its finished run, and takes
// its checkpoint.
type Features struct {
	Model      Component
	Checkpoint string
	From       *Cell
}

// OODSet is one out-of-distribution set of an anomaly cell: another dataset
// (its test split) or an augmentation applied to the in-distribution test
// batches. Exactly one of Dataset and Augmentation is set.
type OODSet struct {
	Name         string
	Dataset      Component
	Augmentation Component
}

// Anomaly holds the anomaly-task settings.
type Anomaly struct {
	// Load, if set, is a GAN checkpoint to score with instead of training.
	Load string
	// Samples is how many in-distribution test samples are scored; each
	// out-of-distribution set gets as many.
	Samples int
	Sets    []OODSet
}

// Cell is one fully resolved point of an experiment's matrix: what to run,
// with which seed, under which stable identity.
type Cell struct {
	Experiment string
	// ID is a stable hash of the resolved config and the seed.
	ID string
	// Index is the cell's position in the expansion order.
	Index int
	Seed  int64
	// Varying holds the values that differ between the experiment's cells,
	// by config key, for display and for the results store.
	Varying map[string]any
	// Config is the resolved config as canonical JSON (sorted keys).
	Config []byte

	Task         Task
	Dataset      Component
	Augmentation Component // Name NoAugmentation for the baseline
	Views        Component // contrastive: positive-view augmentation
	Model        Component
	Metrics      []Component
	Features     Features
	Train        Train
	Eval         Eval
	Anomaly      Anomaly
}

// String names the cell in logs: "experiment/id".
func (c *Cell) String() string { return fmt.Sprintf("%s/%s", c.Experiment, c.ID) }
