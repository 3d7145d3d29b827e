package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/builtin"
	"github.com/ndalab/ndalab/plugins/preview"
)

func cmdAugment(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "augment", []subcommand{
		{"preview", "NAME --dataset D -o sheet.png",
			"draw originals and their augmentations as a PNG", augmentPreview},
		{"list", "", "list the built-in augmentations with their roles and parameters",
			augmentList},
	}, args)
}

func augmentPreview(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "augment preview", "NAME --dataset DATASET -o sheet.png [flags]",
		"Draw a batch of a built-in data set in the first row and its augmentations below (one\n"+
			"row per step), as a PNG. Point data sets (toy2d) give a scatter plot: real points blue,\n"+
			"augmented points red. Runs the components in-process.")
	dataset := fs.String("dataset", "mnist", "built-in data set to draw from")
	out := fs.String("o", "", "output PNG file, - for stdout (required)")
	n := fs.Int("n", 8, "images per row (points: the number of points)")
	rows := fs.Int("rows", 2, "rows of augmented images, one per step")
	seed := fs.Int64("seed", 1, "seed of the data order and of the augmentation")
	split := fs.String("split", "train", "data split: train or test")
	role := fs.String("role", "",
		"role to ask for: negative or positive (default: the first the augmentation offers)")
	dir := dataDirFlag(fs)
	var set, dataSet setFlags
	fs.Var(&set, "set", "augmentation parameter key=value (repeatable)")
	fs.Var(&dataSet, "data-set", "data set parameter key=value (repeatable)")
	name, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" || *out == "" {
		fs.Usage()
		return errors.New("augment preview: need an augmentation NAME and -o FILE")
	}
	if *n < 1 || *rows < 1 {
		return fmt.Errorf("augment preview: --n and --rows must be positive")
	}

	// The data: one batch of the chosen split.
	ds, err := newBuiltin[core.Dataset](core.KindDataset, *dataset)
	if err != nil {
		return err
	}
	dcfg := dataSet.config()
	if *dir != "" {
		dcfg["data_dir"] = *dir
	}
	batch, err := ds.Batch(ctx, core.BatchRequest{Config: dcfg, Split: core.Split(*split),
		Seed: *seed, Size: *n})
	if err != nil {
		return fmt.Errorf("augment preview: %w", err)
	}

	// Its augmentations, one per step.
	aug, err := newBuiltin[core.Augmentation](core.KindAugmentation, name)
	if err != nil {
		return err
	}
	sheet := []*core.Batch{batch}
	for step := range *rows {
		req := core.AugmentRequest{Config: set.config(), Role: *role, Seed: *seed,
			Step: int64(step)}
		b, err := aug.Apply(ctx, req, batch)
		if err != nil {
			return fmt.Errorf("augment preview: %w", err)
		}
		sheet = append(sheet, b)
	}

	var img image.Image
	if [3]int(batch.Shape[1:]) == [3]int{2, 1, 1} {
		img, err = preview.Scatter(sheet, 1.2, 512)
	} else {
		img, err = preview.Sheet(sheet, preview.Options{N: batch.N()})
	}
	if err != nil {
		return fmt.Errorf("augment preview: %w", err)
	}
	return writeImage(e.stdout, *out, img)
}

// splitName takes a leading NAME off args, so flags may follow it.
func splitName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// newBuiltin makes the built-in kind/name and checks that it is a T.
func newBuiltin[T any](kind core.Kind, name string) (T, error) {
	var zero T
	p, err := builtin.Lookup(string(kind) + "/" + name)
	if err != nil {
		return zero, err
	}
	c, ok := p.New().(T)
	if !ok {
		return zero, fmt.Errorf("%w: built-in %s does not implement a %s", core.ErrInternal,
			p.ID(), kind)
	}
	return c, nil
}

func writeImage(stdout io.Writer, path string, img image.Image) error {
	if path == "-" {
		return preview.WritePNG(stdout, img)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("augment preview: %w", err)
	}
	if err := preview.WritePNG(f, img); err != nil {
		f.Close()
		return fmt.Errorf("augment preview: %s: %w", path, err)
	}
	return f.Close()
}

func augmentList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "augment list", "",
		"List the built-in augmentations with their roles and parameters.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tPARAMETERS\tDESCRIPTION")
	for _, p := range builtin.All() {
		if p.Kind != core.KindAugmentation {
			continue
		}
		d, err := p.New().Describe(ctx)
		if err != nil {
			return err
		}
		params := make([]string, len(d.Params))
		for i, q := range d.Params {
			params[i] = fmt.Sprintf("%s=%v", q.Name, q.Default)
		}
		slices.Sort(params)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, strings.Join(d.Roles, ","),
			strings.Join(params, " "), d.Doc)
	}
	return tw.Flush()
}
