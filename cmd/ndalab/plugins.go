package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/scaffold"
	"github.com/ndalab/ndalab/plugins/sdk/plugintest"
	"github.com/ndalab/ndalab/registry"
)

func cmdPlugins(ctx context.Context, e *env, args []string) error {
	subs := []struct {
		name, summary string
		run           func(context.Context, *env, []string) error
	}{
		{"list", "list built-in and external plugins", pluginsList},
		{"describe", "print a plugin's parameters", pluginsDescribe},
		{"check", "run the conformance kit against a plugin binary", pluginsCheck},
		{"lock", "pin external plugins' sha256 sums in the lock file", pluginsLock},
		{"new", "scaffold a plugin module", pluginsNew},
	}
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				return s.run(ctx, e, args[1:])
			}
		}
	}
	fmt.Fprintln(e.stderr, "usage: ndalab plugins COMMAND [ARGS]\n\ncommands:")
	for _, s := range subs {
		fmt.Fprintf(e.stderr, "  %-9s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(
		e.stderr,
		"\nExternal plugins are executables named ndalab-KIND-NAME on NDALAB_PLUGIN_PATH,\n"+
			"then in %s.\n",
		registry.DefaultUserDir(),
	)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		return nil
	}
	return fmt.Errorf("plugins: unknown command %q", args[0])
}

// openRegistry builds the registry every plugins subcommand uses.
func openRegistry(e *env, lockFile string) (*registry.Registry, error) {
	return registry.New(registry.Options{LockFile: lockFile, Log: e.log})
}

func lockFlag(fs interface {
	StringVar(*string, string, string, string)
}) *string {
	var s string
	def := os.Getenv("NDALAB_PLUGIN_LOCK")
	if def == "" {
		def = registry.DefaultLockFile
	}
	fs.StringVar(
		&s,
		"lock",
		def,
		"lock file pinning external plugins (used when it exists; env NDALAB_PLUGIN_LOCK)",
	)
	return &s
}

func pluginsList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(
		e,
		"plugins list",
		"[--json]",
		"List built-in and external plugins, sorted by kind and name.",
	)
	asJSON := fs.Bool("json", false, "print a JSON array of objects")
	lock := lockFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	reg, err := openRegistry(e, *lock)
	if err != nil {
		return err
	}
	entries, err := reg.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type row struct {
			Kind      string `json:"kind"`
			Name      string `json:"name"`
			Version   string `json:"version"`
			Source    string `json:"source"`
			Protocols []int  `json:"protocols"`
			Doc       string `json:"doc"`
		}
		rows := make([]row, len(entries))
		for i, en := range entries {
			rows[i] = row{
				string(en.Kind),
				en.Name,
				en.Version,
				en.Source,
				en.Protocols,
				en.Descriptor.Doc,
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVERSION\tSOURCE\tPROTOCOL")
	for _, en := range entries {
		fmt.Fprintf(
			tw,
			"%s\t%s\t%s\t%s\t%s\n",
			en.Kind,
			en.Name,
			en.Version,
			en.Source,
			ints(en.Protocols),
		)
	}
	return tw.Flush()
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func pluginsDescribe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(
		e,
		"plugins describe",
		"NAME | KIND/NAME",
		"Print a plugin's descriptor and parameters.",
	)
	lock := lockFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("plugins describe: want one plugin name")
	}
	reg, err := openRegistry(e, *lock)
	if err != nil {
		return err
	}
	en, err := reg.Find(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	d := en.Descriptor
	fmt.Fprintf(e.stdout, "%s %s (%s)\n%s\n", d.ID(), d.Version, en.Source, d.Doc)
	for _, l := range []struct {
		label string
		items []string
	}{{"capabilities", d.Capabilities}, {"roles", d.Roles}, {"inputs", d.Inputs}, {"outputs", d.Outputs}} {
		if len(l.items) > 0 {
			fmt.Fprintf(e.stdout, "%s: %s\n", l.label, strings.Join(l.items, ", "))
		}
	}
	if d.Kind == core.KindMetric {
		fmt.Fprintf(e.stdout, "higher is better: %v\n", d.HigherIsBetter)
	}
	fmt.Fprintln(e.stdout)
	if len(d.Params) == 0 {
		fmt.Fprintln(e.stdout, "no parameters")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAMETER\tTYPE\tDEFAULT\tDOC")
	for _, p := range d.Params {
		def := "(required)"
		if p.Default != nil {
			b, _ := json.Marshal(p.Default)
			def = string(b)
		}
		doc := p.Doc
		if len(p.Enum) > 0 {
			doc += " [" + strings.Join(p.Enum, "|") + "]"
		}
		if p.Min != nil || p.Max != nil {
			doc += " " + bounds(p)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Type, def, doc)
	}
	return tw.Flush()
}

func bounds(p core.Param) string {
	lo, hi := "-inf", "inf"
	if p.Min != nil {
		lo = fmt.Sprint(*p.Min)
	}
	if p.Max != nil {
		hi = fmt.Sprint(*p.Max)
	}
	return "[" + lo + ", " + hi + "]"
}

func pluginsCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plugins check", "[--set k=v]... [--input CxHxW] PATH",
		"Start the plugin binary at PATH and run the conformance kit against it.")
	var sets setFlags
	fs.Var(&sets, "set", "parameter value for the checks, key=value (repeatable)")
	input := fs.String("input", "", "sample shape C×H×W for models and augmentations, e.g. 1x28x28")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("plugins check: want one PATH")
	}
	opts := plugintest.Options{Config: sets.config()}
	if *input != "" {
		var c, h, w int
		if _, err := fmt.Sscanf(strings.ReplaceAll(*input, "×", "x"), "%dx%dx%d", &c, &h, &w); err != nil {
			return fmt.Errorf("plugins check: --input %q: want C×H×W such as 1x28x28", *input)
		}
		opts.InputShape = [3]int{c, h, w}
	}
	reg, err := openRegistry(e, "")
	if err != nil {
		return err
	}
	p, err := reg.StartPath(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	defer p.Close()

	report := plugintest.Check(ctx, p.Component, opts)
	fmt.Fprintf(e.stdout, "%s %s (protocol %d)\n", p.ID, p.Descriptor.Version, p.Protocol)
	for _, r := range report {
		if r.Err == nil {
			fmt.Fprintf(e.stdout, "  ok    %s\n", r.Name)
		} else {
			fmt.Fprintf(e.stdout, "  FAIL  %s: %v\n", r.Name, r.Err)
		}
	}
	if failed := report.Failed(); len(failed) > 0 {
		return fmt.Errorf("plugins check: %s: %d of %d checks failed", p.ID, len(failed), len(report))
	}
	fmt.Fprintf(e.stdout, "all %d checks passed\n", len(report))
	return nil
}

func pluginsLock(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plugins lock", "[--lock FILE]",
		"Pin the sha256 of every external plugin on the plugin path in the lock file.\n"+
			"While the lock file exists, a plugin missing from it or changed since is refused.")
	lock := lockFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	reg, err := openRegistry(e, "")
	if err != nil {
		return err
	}
	entries, err := reg.WriteLock(ctx, *lock)
	if err != nil {
		return err
	}
	for _, en := range entries {
		fmt.Fprintf(e.stdout, "%s/%s %s %s\n", en.Kind, en.Name, en.SHA256[:12], en.Path)
	}
	fmt.Fprintf(e.stderr, "locked %d plugins in %s\n", len(entries), *lock)
	return nil
}

func pluginsNew(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plugins new", "KIND NAME [--dir D] [--sdk PATH]",
		"Scaffold a plugin module that builds with go build and passes ndalab plugins check.")
	dir := fs.String("dir", "", "where to create the module (default ./ndalab-KIND-NAME)")
	sdkPath := fs.String(
		"sdk",
		"",
		"ndalab source tree the module builds against (default: the one this binary came from)",
	)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("plugins new: want KIND and NAME")
	}
	kind, err := core.ParseKind(fs.Arg(0))
	if err != nil {
		return err
	}
	src := *sdkPath
	if src == "" {
		if src, err = sourceTree(); err != nil {
			return err
		}
	}
	out := *dir
	if out == "" {
		out = "ndalab-" + string(kind) + "-" + fs.Arg(1)
	}
	res, err := scaffold.Create(ctx, scaffold.Options{Kind: kind, Name: fs.Arg(1), Dir: out, SDK: src})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s\n", res.Dir)
	fmt.Fprintf(e.stderr, "\nnext:\n  cd %s && go build -o %s .\n", res.Dir, res.Binary)
	fmt.Fprintf(e.stderr, "  ndalab plugins check %s/%s\n", res.Dir, res.Binary)
	fmt.Fprintf(e.stderr, "  export NDALAB_PLUGIN_PATH=%s; ndalab plugins list\n", res.Dir)
	return nil
}
