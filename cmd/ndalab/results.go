package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
	"github.com/ndalab/ndalab/results/plot"
	"github.com/ndalab/ndalab/results/table"
)

// resultsDBEnv names the environment variable that sets the default store.
const resultsDBEnv = "NDALAB_DB"

// resultsVerb is one verb of `ndalab results`.
type resultsVerb struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, db string, args []string) error
}

func resultsVerbs() []resultsVerb {
	return []resultsVerb{
		{"runs", "[--experiment E] [--status S]", "list runs", resultsRuns},
		{"show", "RUN", "print a run: params, config, metrics, series, artifacts, record",
			resultsShow},
		{"table", "--rows P [--cols P] --metric M[,M...] [flags]",
			"pivot runs into a table of mean ± std over seeds", resultsTable},
		{"compare", "RUN RUN", "print config differences and metric deltas of two runs",
			resultsCompare},
		{"export", "[--format csv|jsonl] [--what runs|metrics|series]", "write raw rows",
			resultsExport},
		{"merge", "A.db B.db... -o OUT.db", "merge stores idempotently", resultsMerge},
		{"plot", "--metric M [--by P] -o OUT.png", "draw curves over steps, mean ± std over seeds",
			resultsPlot},
	}
}

// cmdResults dispatches `ndalab results [--db PATH] VERB [ARGS]`.
func cmdResults(ctx context.Context, e *env, args []string) error {
	var b strings.Builder
	b.WriteString("Query, compare, export, merge and plot a results store.\n\nverbs:\n")
	for _, v := range resultsVerbs() {
		fmt.Fprintf(&b, "  %-8s %s\n", v.name, v.summary)
	}
	b.WriteString("\nndalab results VERB --help describes each verb.")
	fs := newFlags(e, "results", "[--db PATH] VERB [ARGS]", b.String())
	db := dbFlag(fs, defaultDB())
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("results: no verb given")
	}
	for _, v := range resultsVerbs() {
		if v.name == fs.Arg(0) {
			return v.run(ctx, e, *db, fs.Args()[1:])
		}
	}
	fs.Usage()
	return fmt.Errorf("results: unknown verb %q", fs.Arg(0))
}

func defaultDB() string {
	if p := os.Getenv(resultsDBEnv); p != "" {
		return p
	}
	return "ndalab.db"
}

// dbUsage documents --db; the flag package adds the default it has.
const dbUsage = "results store file; $" + resultsDBEnv + " sets the default"

func dbFlag(fs *flag.FlagSet, def string) *string {
	return fs.String("db", def, dbUsage)
}

// verbFlags makes the FlagSet of a verb, with its own --db.
func verbFlags(e *env, verb string, db *string) *flag.FlagSet {
	for _, v := range resultsVerbs() {
		if v.name == verb {
			summary := strings.ToUpper(v.summary[:1]) + v.summary[1:] + "."
			fs := newFlags(e, "results "+verb, v.args, summary)
			fs.StringVar(db, "db", *db, dbUsage)
			return fs
		}
	}
	panic("results: no verb " + verb)
}

// parseMixed parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openExisting opens a store that must exist already: reading commands do
// not create empty files.
func openExisting(ctx context.Context, path string) (*results.Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("results store %s does not exist (set --db or $%s): %w",
				path, resultsDBEnv, core.ErrNotFound)
		}
		return nil, fmt.Errorf("results store: %w", err)
	}
	return results.Open(ctx, path)
}

func resultsRuns(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "runs", &db)
	exp := fs.String("experiment", "", "only runs of this experiment")
	status := fs.String("status", "", "only runs of this status ("+
		strings.Join(results.Statuses, ", ")+")")
	if _, err := parseMixed(fs, args); err != nil {
		return err
	}
	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()

	runs, err := s.Runs(ctx, results.RunFilter{Experiment: *exp, Status: *status})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "run\texperiment\tstatus\tstep\tseed\tstarted\tduration\tparams")
	now := time.Now()
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.ID, r.Experiment,
			statusText(r, now), r.Step, r.Seed, r.Started.UTC().Format("2006-01-02 15:04:05"),
			duration(r), paramsText(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d runs\n", len(runs))
	return nil
}

// statusText is the run's status, and for a running run who holds it: a
// live lease names its process (pid@host), and a running run without one
// was left by a process that died, which the next `ndalab run` resumes.
func statusText(r *results.Run, now time.Time) string {
	if r.Status != results.StatusRunning {
		return r.Status
	}
	if r.Lease == nil || !r.Lease.Live(now) {
		return r.Status + " (no live lease: the next ndalab run resumes it)"
	}
	holder, _, _ := strings.Cut(r.Lease.Owner, "/")
	return fmt.Sprintf("%s (held by %s, heartbeat %s ago)", r.Status, holder,
		now.Sub(r.Lease.Heartbeat).Round(time.Second))
}

func duration(r *results.Run) string {
	if r.Ended.IsZero() {
		return "-"
	}
	return r.Ended.Sub(r.Started).Round(time.Second).String()
}

// paramsText is "k=v k=v" in key order, a labelled plugin by its label
// alone (see results.ShownParams).
func paramsText(r *results.Run) string {
	keys := results.ShownParams(r.Params)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, _ := r.ParamText(k)
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, " ")
}

func resultsShow(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "show", &db)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("results show: want one run ID, got %d arguments", len(pos))
	}
	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()

	r, err := s.GetRun(ctx, pos[0])
	if err != nil {
		return err
	}
	metrics, err := s.Metrics(ctx, r.ID)
	if err != nil {
		return err
	}
	series, err := s.Series(ctx, r.ID, "")
	if err != nil {
		return err
	}
	artifacts, err := s.Artifacts(ctx, r.ID)
	if err != nil {
		return err
	}

	w := e.stdout
	fmt.Fprintf(w, "run         %s\nexperiment  %s\ncell        %s\nseed        %d\n",
		r.ID, r.Experiment, r.CellID, r.Seed)
	fmt.Fprintf(w, "status      %s at step %d\n", statusText(r, time.Now()), r.Step)
	if r.Error != "" {
		fmt.Fprintf(w, "error       %s\n", r.Error)
	}
	fmt.Fprintf(w, "started     %s\n", r.Started.UTC().Format(time.RFC3339))
	if !r.Ended.IsZero() {
		fmt.Fprintf(w, "ended       %s (%s)\n", r.Ended.UTC().Format(time.RFC3339), duration(r))
	}
	fmt.Fprintf(w, "params      %s\n", paramsText(r))

	fmt.Fprintln(w, "\nmetrics:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tstep\tvalue")
	for _, m := range metrics {
		fmt.Fprintf(tw, "  %s\t%d\t%.6g\n", m.Name, m.Step, m.Value)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nseries:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tpoints\tsteps\tlast")
	for i := 0; i < len(series); {
		j := i
		for j < len(series) && series[j].Name == series[i].Name {
			j++
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d..%d\t%.6g\n", series[i].Name, j-i, series[i].Step,
			series[j-1].Step, series[j-1].Value)
		i = j
	}
	tw.Flush()

	fmt.Fprintln(w, "\nartifacts:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\tpath\tbytes\tsha256")
	for _, a := range artifacts {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", a.Kind, a.Path, a.Size, a.SHA256)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nconfig:\n%s\n\nrecord:\n%s\n", indentJSON(r.Config), indentJSON(r.Record))
	return nil
}

func indentJSON(m json.RawMessage) string {
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return string(m)
	}
	b, _ := json.MarshalIndent(v, "  ", "  ")
	return "  " + string(b)
}

// listFlag is a comma-separated list flag that may also repeat.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// whereFlag collects PARAM=VALUE filters.
type whereFlag map[string]string

func (w whereFlag) String() string { return fmt.Sprint(map[string]string(w)) }

func (w whereFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want PARAM=VALUE, got %q", v)
	}
	w[k] = val
	return nil
}

func resultsTable(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "table", &db)
	var spec table.Spec
	var metrics, higher, lower listFlag
	where := whereFlag{}
	fs.StringVar(&spec.Experiment, "experiment", "", "only runs of this experiment")
	fs.StringVar(&spec.Status, "status", results.StatusFinished,
		"only runs of this status; \"any\" for all")
	fs.StringVar(&spec.Rows, "rows", "", "parameter whose values become rows (required)")
	fs.StringVar(&spec.Cols, "cols", "", "parameter whose values become columns")
	fs.Var(&metrics, "metric", "metric(s), comma-separated (required)")
	agg := fs.String("agg", string(table.AggBest),
		"per run: best (over eval steps, in the metric's direction) or last")
	fs.Var(&higher, "higher", "metrics where higher is better, comma-separated")
	fs.Var(&lower, "lower", "metrics where lower is better, comma-separated")
	fs.Var(where, "where", "keep runs with PARAM=VALUE; repeatable")
	format := fs.String("format", "terminal", "output: "+strings.Join(table.Formats, ", "))
	if _, err := parseMixed(fs, args); err != nil {
		return err
	}
	if spec.Rows == "" || len(metrics) == 0 {
		fs.Usage()
		return fmt.Errorf("results table: --rows and --metric are required: %w",
			core.ErrInvalidArgument)
	}
	if spec.Status == "any" {
		spec.Status = ""
	}
	spec.Metrics, spec.Agg, spec.Where = metrics, table.Agg(*agg), where
	spec.Higher = map[string]bool{}
	for _, m := range higher {
		spec.Higher[m] = true
	}
	for _, m := range lower {
		if spec.Higher[m] {
			return fmt.Errorf("results table: %s is both --higher and --lower: %w",
				m, core.ErrInvalidArgument)
		}
		spec.Higher[m] = false
	}

	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	t, err := table.Load(ctx, s, spec)
	if err != nil {
		return err
	}
	return table.Render(e.stdout, t, *format)
}

func resultsCompare(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "compare", &db)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return fmt.Errorf("results compare: want two run IDs, got %d arguments", len(pos))
	}
	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()

	var runs [2]*results.Run
	var last [2]map[string]float64
	for i, id := range pos {
		if runs[i], err = s.GetRun(ctx, id); err != nil {
			return err
		}
		ms, err := s.Metrics(ctx, id)
		if err != nil {
			return err
		}
		last[i] = map[string]float64{}
		for _, m := range ms {
			last[i][m.Name] = m.Value // ordered by step: the last one stays
		}
	}

	w := e.stdout
	fmt.Fprintf(w, "A = %s (%s, seed %d)\nB = %s (%s, seed %d)\n\nconfig differences:\n",
		runs[0].ID, runs[0].Status, runs[0].Seed, runs[1].ID, runs[1].Status, runs[1].Seed)
	diffs := configDiff(runs[0].Config, runs[1].Config)
	if len(diffs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, d := range diffs {
		fmt.Fprintln(w, d)
	}

	fmt.Fprintln(w, "\nmetrics at the last evaluation:")
	names := map[string]bool{}
	for i := range last {
		for n := range last[i] {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tA\tB\tB-A\tchange\t")
	for _, n := range sorted {
		a, okA := last[0][n]
		b, okB := last[1][n]
		switch {
		case okA && okB:
			rel := "-"
			if a != 0 {
				rel = fmt.Sprintf("%+.1f%%", 100*(b-a)/math.Abs(a))
			}
			fmt.Fprintf(tw, "%s\t%.6g\t%.6g\t%+.4g\t%s\t\n", n, a, b, b-a, rel)
		case okA:
			fmt.Fprintf(tw, "%s\t%.6g\t-\t-\t-\t\n", n, a)
		default:
			fmt.Fprintf(tw, "%s\t-\t%.6g\t-\t-\t\n", n, b)
		}
	}
	return tw.Flush()
}

// configDiff lists "  key: a -> b" for the leaves of two JSON documents
// that differ, in key order.
func configDiff(a, b json.RawMessage) []string {
	fa, fb := map[string]string{}, map[string]string{}
	flattenJSON(a, fa)
	flattenJSON(b, fb)
	keys := map[string]bool{}
	for k := range fa {
		keys[k] = true
	}
	for k := range fb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)

	var out []string
	for _, k := range sorted {
		va, okA := fa[k]
		vb, okB := fb[k]
		switch {
		case !okA:
			out = append(out, fmt.Sprintf("  %s: (absent) -> %s", k, vb))
		case !okB:
			out = append(out, fmt.Sprintf("  %s: %s -> (absent)", k, va))
		case va != vb:
			out = append(out, fmt.Sprintf("  %s: %s -> %s", k, va, vb))
		}
	}
	return out
}

func flattenJSON(m json.RawMessage, out map[string]string) {
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		out[""] = string(m)
		return
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(join(prefix, k), c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), c)
			}
		default:
			b, _ := json.Marshal(x)
			out[prefix] = string(b)
		}
	}
	walk("", v)
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func resultsExport(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "export", &db)
	format := fs.String("format", "csv", "output: "+strings.Join(results.ExportFormats, ", "))
	what := fs.String("what", "runs", "rows: "+strings.Join(results.ExportTables, ", "))
	exp := fs.String("experiment", "", "only runs of this experiment")
	status := fs.String("status", "", "only runs of this status")
	out := fs.String("o", "", "write to this file instead of stdout")
	if _, err := parseMixed(fs, args); err != nil {
		return err
	}
	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()

	w := e.stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("results export: %w", err)
		}
		w = f
	}
	err = s.Export(ctx, w, *what, *format, results.RunFilter{Experiment: *exp, Status: *status})
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("results export: %w", cerr)
		}
	}
	return err
}

func resultsMerge(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "merge", &db)
	out := fs.String("o", "", "the merged store, created if missing (required)")
	inputs, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(inputs) == 0 {
		fs.Usage()
		return fmt.Errorf("results merge: want input stores and -o OUT: %w",
			core.ErrInvalidArgument)
	}

	var srcs []*results.Store
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	for _, p := range inputs {
		s, err := openExisting(ctx, p)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	dst, err := results.Open(ctx, *out)
	if err != nil {
		return err
	}
	st, err := dst.Merge(ctx, srcs...)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "merged %d runs from %d stores into %s (%d new)\n",
		st.Runs, len(srcs), *out, st.NewRuns)
	return nil
}

func resultsPlot(ctx context.Context, e *env, db string, args []string) error {
	fs := verbFlags(e, "plot", &db)
	var spec plot.Spec
	where := whereFlag{}
	fs.StringVar(&spec.Metric, "metric", "", "metric or series name (required)")
	fs.StringVar(&spec.By, "by", "", "parameter whose values become curves")
	fs.StringVar(&spec.Experiment, "experiment", "", "only runs of this experiment")
	fs.StringVar(&spec.Status, "status", "", "only runs of this status")
	fs.StringVar(&spec.Source, "source", "", "metrics or series (default: metrics if the name "+
		"is one, else series)")
	fs.Var(where, "where", "keep runs with PARAM=VALUE; repeatable")
	out := fs.String("o", "", "image file; png, svg or pdf by extension (required)")
	title := fs.String("title", "", "plot title (default: METRIC by PARAM)")
	if _, err := parseMixed(fs, args); err != nil {
		return err
	}
	if spec.Metric == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("results plot: --metric and -o are required: %w", core.ErrInvalidArgument)
	}
	spec.Where = where

	s, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	curves, err := plot.Curves(ctx, s, spec)
	if err != nil {
		return err
	}
	if *title == "" {
		*title = spec.Metric
		if spec.By != "" {
			*title += " by " + spec.By
		}
	}
	p, err := plot.Draw(curves, *title, spec.Metric)
	if err != nil {
		return err
	}
	if err := plot.Save(p, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d curves)\n", *out, len(curves))
	return nil
}
