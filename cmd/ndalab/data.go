package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ndalab/ndalab/plugins/dataset/datadir"
)

// subcommand is one verb of a command with verbs (data fetch, augment
// preview).
type subcommand struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, args []string) error
}

// dispatch runs the verb named by args[0], or prints the verbs.
func dispatch(ctx context.Context, e *env, command string, subs []subcommand, args []string) error {
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				return s.run(ctx, e, args[1:])
			}
		}
	}
	fmt.Fprintf(e.stderr,
		"usage: ndalab %s VERB [ARGS]   (ndalab %s VERB --help for each)\n\nverbs:\n",
		command, command)
	for _, s := range subs {
		fmt.Fprintf(e.stderr, "  %-8s %s\n", s.name, s.summary)
	}
	switch {
	case len(args) == 0:
		return fmt.Errorf("%s: no verb given", command)
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		return flag.ErrHelp
	}
	return fmt.Errorf("%s: unknown verb %q", command, args[0])
}

func cmdData(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "data", []subcommand{
		{"fetch", "[--data-dir DIR] [--from FILE] NAME...",
			"copy or unpack data sets into the data directory, checking their sums", dataFetch},
		{"list", "[--data-dir DIR]", "list the known data sets and whether they are in place",
			dataList},
		{"dir", "[--data-dir DIR]", "print the data directory", dataDir},
	}, args)
}

// dataDirFlag adds --data-dir to fs.
func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data-dir", "",
		"data directory (default $"+datadir.EnvVar+", else ~/.cache/ndalab/data)")
}

func dataFetch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "data fetch", "[--data-dir DIR] [--from FILE] NAME...",
		"Copy data sets into the data directory from where this machine has them (the Go module\n"+
			"cache for mnist, Debian's dataset-fashion-mnist for fashion-mnist), checking sha256 sums.\n"+
			"--from FILE unpacks the official tarball of one data set downloaded by hand\n"+
			"(cifar-10-binary.tar.gz for cifar10, cifar-100-binary.tar.gz for cifar100) once its\n"+
			"md5 and sha256 match the pinned ones. A data set already in place is left alone.\n"+
			"No network is used.")
	dir := dataDirFlag(fs)
	from := fs.String("from", "", "unpack the data set from this official tarball")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("data fetch: name at least one data set (see ndalab data list)")
	}
	if *from != "" && fs.NArg() != 1 {
		return fmt.Errorf("data fetch --from %s: name the one data set it holds, not %d",
			*from, fs.NArg())
	}
	root, err := datadir.Dir(*dir)
	if err != nil {
		return err
	}
	for _, name := range fs.Args() {
		var dest string
		if *from != "" {
			dest, err = datadir.FetchArchive(ctx, root, name, *from)
		} else {
			dest, err = datadir.Fetch(ctx, root, name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s: ready in %s\n", name, dest)
	}
	return nil
}

func dataList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "data list", "[--data-dir DIR]",
		"List the known data sets and whether they are in place.")
	dir := dataDirFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := datadir.Dir(*dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tPATH\tDESCRIPTION")
	for _, entry := range datadir.Catalogue() {
		status := "ready"
		if _, err := datadir.Locate(root, entry.Name); err != nil {
			status = "missing"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", entry.Name, status, filepath.Join(root, entry.Name),
			entry.Doc)
	}
	return tw.Flush()
}

func dataDir(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "data dir", "[--data-dir DIR]", "Print the data directory.")
	dir := dataDirFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := datadir.Dir(*dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(root); err != nil {
		fmt.Fprintf(e.stderr, "%s does not exist yet (ndalab data fetch creates it)\n",
			strings.TrimSpace(root))
	}
	fmt.Fprintln(e.stdout, root)
	return nil
}
