// Command ndalab runs negative-data-augmentation experiments: it finds and
// starts plugins, runs experiment matrices and prints comparison tables.
//
// Usage: ndalab COMMAND [ARGS]; ndalab help lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "ndalab: %v\n", err)
		os.Exit(1)
	}
}

// env is what every subcommand receives: where to write and how to log.
type env struct {
	stdout io.Writer // data: tables, JSON
	stderr io.Writer // people: progress, help, logs
	log    *slog.Logger
}

// command is one subcommand. run receives the arguments after its name.
type command struct {
	name    string
	summary string
	hidden  bool
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists every subcommand, in the order help shows them.
func commands() []command {
	return []command{
		{name: "run", summary: "run an experiment file (all its matrix cells)", run: cmdRun},
		{name: "matrix", summary: "print the cells of an experiment file without running", run: cmdMatrix},
		{name: "results", summary: "list runs, print comparison tables, export, merge, plot", run: cmdResults},
		{name: "plugins", summary: "list, describe, check, lock and scaffold plugins", run: cmdPlugins},
		{name: "augment", summary: "preview augmentations as a PNG sheet", run: cmdAugment},
		{name: "data", summary: "fetch data sets into the data directory", run: cmdData},
		{name: "bench", summary: "benchmarks (bench gan)", run: cmdBench},
		{name: "version", summary: "print the ndalab version", run: cmdVersion},
		{name: "plugin", summary: "serve a built-in plugin (started by ndalab itself)", hidden: true, run: cmdPluginServe},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{
		stdout: stdout,
		stderr: stderr,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()})),
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	return fmt.Errorf("unknown command %q (see ndalab help)", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ndalab: negative data augmentation experiments")
	fmt.Fprintln(w, "\nusage: ndalab COMMAND [ARGS]   (ndalab COMMAND --help for each)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
		}
	}
}

// logLevel reads NDALAB_LOG (debug, info, warn, error); the default is warn
// so that tables and progress are not drowned in plugin chatter.
func logLevel() slog.Level {
	var l slog.Level = slog.LevelWarn
	if s := os.Getenv("NDALAB_LOG"); s != "" {
		_ = l.UnmarshalText([]byte(s))
	}
	return l
}

// newFlags returns a FlagSet for a subcommand whose --help prints its usage
// line, summary and flags to stderr.
func newFlags(e *env, name, argsUsage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: ndalab %s %s\n\n%s\n", name, argsUsage, summary)
		if hasFlags(fs) {
			fmt.Fprintln(e.stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
