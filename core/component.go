package core

import "context"

// Component is what every plugin implements: it describes itself. The host
// calls Describe before anything else and resolves configs against it, so
// every other method receives a Config that Descriptor.Resolve produced.
type Component interface {
	Describe(ctx context.Context) (*Descriptor, error)
}

// Split names a dataset partition.
type Split string

// The dataset splits.
const (
	SplitTrain Split = "train"
	SplitTest  Split = "test"
)

// DatasetInfo describes one configured dataset split.
type DatasetInfo struct {
	Size       int      // samples in the split after filters and subsetting
	Shape      [3]int   // C, H, W of one sample
	Classes    int      // number of label values, 0 if unlabelled
	ClassNames []string // optional, len Classes
	Checksum   string   // content hash of the underlying files, for run identity
}

// BatchRequest asks a dataset for one batch. Datasets are stateless: the
// same request always yields the same batch, so resuming needs only a cursor.
type BatchRequest struct {
	Config Config
	Split  Split
	Seed   int64 // shuffling seed
	Epoch  int   // samples are reshuffled per (Seed, Epoch)
	Index  int   // batch index within the epoch
	Size   int   // batch size; the last batch of an epoch may be shorter
}

// Dataset serves batches of a data set, scaled to [-1, 1].
type Dataset interface {
	Component
	Info(ctx context.Context, cfg Config, split Split) (DatasetInfo, error)
	Batch(ctx context.Context, req BatchRequest) (*Batch, error)
}

// AugmentRequest says how to transform one batch. The output depends only on
// the request and the input, never on call order: randomness is keyed by
// (Seed, Step, Role).
type AugmentRequest struct {
	Config Config
	Role   string // RoleNegative or RolePositive
	Seed   int64
	Step   int64 // global batch index
}

// Augmentation turns a batch into a batch of the same shape. A negative keeps
// the label of the image it was made from.
type Augmentation interface {
	Component
	Apply(ctx context.Context, req AugmentRequest, in *Batch) (*Batch, error)
}

// Phase names what one model step updates.
type Phase string

// The model phases.
const (
	PhaseD     Phase = "d"     // GAN discriminator
	PhaseG     Phase = "g"     // GAN generator
	PhaseTrain Phase = "train" // single-network models: classifier, encoder
)

// StepRequest carries one training step. Which batches are set depends on
// the model and phase: a GAN D step gets Real and, with NDA, Negatives; a
// contrastive step gets Views (two positive views) and Negatives.
type StepRequest struct {
	Phase     Phase
	Step      int64 // global step, keys the model's randomness
	Lambda    float64
	Real      *Batch
	Negatives *Batch
	Views     []*Batch
}

// StepResult holds the losses and other scalars of one step, by name.
type StepResult map[string]float64

// GenerateRequest asks for N samples from noise keyed by Seed.
type GenerateRequest struct {
	N      int
	Seed   int64
	Labels []int32 // class-conditional models; nil picks labels from Seed
	EMA    bool    // use EMA weights where the model keeps them
}

// Model is a trainable network. Init must come first; it fixes the
// architecture, so Load refuses checkpoints of another architecture.
// Optional abilities (generate, score, embed) are declared as capabilities
// and implemented as the small interfaces below.
type Model interface {
	Component
	Init(ctx context.Context, cfg Config, seed int64) error
	Step(ctx context.Context, req StepRequest) (StepResult, error)
	Save(ctx context.Context) ([]byte, error)
	Load(ctx context.Context, checkpoint []byte) error
}

// Generator is a model that samples images (CapGenerate).
type Generator interface {
	Generate(ctx context.Context, req GenerateRequest) (*Batch, error)
}

// Scorer is a model that scores images (CapScore); for a GAN the score is
// the raw discriminator logit, higher meaning more in-distribution. The
// result is N×1×1×1.
type Scorer interface {
	Score(ctx context.Context, in *Batch) (*Batch, error)
}

// Embedder is a model that maps images to features (CapEmbed), N×D×1×1.
type Embedder interface {
	Embed(ctx context.Context, in *Batch) (*Batch, error)
}

// Classifier is a model that predicts classes (CapClassify): the result is
// N×K×1×1 logits over its K classes, labels kept.
type Classifier interface {
	Classify(ctx context.Context, in *Batch) (*Batch, error)
}

// Metric computes named values from the inputs its descriptor declares.
type Metric interface {
	Component
	Compute(ctx context.Context, cfg Config, inputs map[string]*Batch) (map[string]float64, error)
}
