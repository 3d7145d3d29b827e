package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/ndalab/ndalab/core/runner"
	"github.com/ndalab/ndalab/experiments"
)

// cmdMatrix prints the cells of an experiment file without running them.
func cmdMatrix(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "matrix", "FILE [--set key=value]...",
		"Expand an experiment file's matrix and print each cell's ID and the values that vary,\n"+
			"then the count. Plugin parameters are checked against their descriptors unless\n"+
			"--no-plugins is given (IDs then hash plugin parameters as written).")
	var set setFlags
	fs.Var(&set, "set", "override a config key (key=value, value read as YAML); repeatable")
	noPlugins := fs.Bool("no-plugins", false, "do not start plugins to check parameters")
	lock := lockFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("matrix: want one experiment file, got %d arguments", fs.NArg())
	}

	opts := experiments.Options{Set: set, Environ: os.Environ()}
	if !*noPlugins {
		reg, err := openRegistry(e, *lock)
		if err != nil {
			return err
		}
		opts.Describe = runner.NewCatalog(&launcher{reg: reg}).Describe
	}
	x, err := experiments.Load(ctx, fs.Arg(0), opts)
	if err != nil {
		return err
	}
	return printCells(e, x, x.Cells)
}

// printCells writes "index id values..." lines and the count to stdout.
func printCells(e *env, x *experiments.Experiment, cells []*runner.Cell) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tcell\tseed\tvalues")
	for _, c := range cells {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", c.Index, c.ID, c.Seed, experiments.FormatVarying(c,
			x.Varying))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "%d cells (experiment %s, task %s)\n", len(cells), x.Name,
		task(cells))
	return err
}

func task(cells []*runner.Cell) string {
	if len(cells) == 0 {
		return "-"
	}
	return string(cells[0].Task)
}
