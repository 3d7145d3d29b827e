package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend/kernels"
	"github.com/ndalab/ndalab/plugins/model/dcgan"
)

// cmdBench dispatches the benchmarks; "gan" is the only one.
func cmdBench(ctx context.Context, e *env, args []string) error {
	const usage = "usage: ndalab bench gan [--threads N] [--batch N] [--steps N] [--warmup N] " +
		"[--cpuprofile FILE]"
	switch {
	case len(args) > 0 && args[0] == "gan":
		return benchGAN(ctx, e, args[1:])
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
		fmt.Fprintln(e.stderr, usage)
		return flag.ErrHelp
	}
	fmt.Fprintln(e.stderr, usage)
	return fmt.Errorf("bench: want a benchmark name (gan): %w", core.ErrInvalidArgument)
}

// benchGAN trains the dcgan reference configuration (28×28×1, one D step
// with an NDA batch, then one G step) in process and prints the median step
// time and images/s, the figures shared/peers/torch_dcgan_mnist.py prints
// for PyTorch.
func benchGAN(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench gan", "[flags]",
		"Train the dcgan reference configuration and print step time and images/s.")
	threads := fs.Int("threads", 2, "compute threads (GOMAXPROCS and layer workers)")
	batch := fs.Int("batch", 64, "real images per step (D also sees as many fakes and negatives)")
	steps := fs.Int("steps", 30, "timed steps, after the warm-up")
	warmup := fs.Int("warmup", 5, "untimed steps first")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *threads < 1 || *batch < 1 || *steps < 1 || *warmup < 0 {
		return fmt.Errorf("bench gan: --threads, --batch and --steps must be ≥ 1: %w",
			core.ErrInvalidArgument)
	}
	runtime.GOMAXPROCS(*threads)

	m := dcgan.New()
	cfg := core.Config{"workers": *threads}
	if err := m.Init(ctx, cfg, 1); err != nil {
		return fmt.Errorf("bench gan: %w", err)
	}

	// Inputs as the peer makes them: uniform reals in [-1, 1] and their
	// horizontal flips as the NDA batch (any precomputed negative costs the
	// same).
	r := core.NewRand(1, "bench/gan", 0, "real")
	real := core.NewBatch(*batch, 1, 28, 28)
	for i := range real.Data {
		real.Data[i] = 2*r.Float32() - 1
	}
	neg := real.Clone()
	for i := 0; i < len(neg.Data); i += 28 {
		slices.Reverse(neg.Data[i : i+28])
	}

	fmt.Fprintf(e.stderr, "bench gan: dcgan 28x28x1 batch=%d threads=%d blas=%s steps=%d+%d warm-up\n",
		*batch, *threads, kernels.BLAS, *steps, *warmup)
	times := make([]time.Duration, 0, *steps)
	stopProfile := func() {}
	defer func() { stopProfile() }()
	report := max(1, *steps/10)
	for s := range *warmup + *steps {
		if s == *warmup {
			stop, err := startCPUProfile(*cpuProfile)
			if err != nil {
				return fmt.Errorf("bench gan: %w", err)
			}
			stopProfile = stop
		}
		t0 := time.Now()
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseD, Step: int64(s),
			Lambda: 0.5, Real: real, Negatives: neg}); err != nil {
			return fmt.Errorf("bench gan: step %d: %w", s, err)
		}
		if _, err := m.Step(ctx, core.StepRequest{Phase: core.PhaseG, Step: int64(s),
			Real: real}); err != nil {
			return fmt.Errorf("bench gan: step %d: %w", s, err)
		}
		if s < *warmup {
			continue
		}
		times = append(times, time.Since(t0))
		if k := s - *warmup + 1; k%report == 0 || k == *steps {
			fmt.Fprintf(e.stderr, "  step %5d  step_ms=%.1f  %s\n", k,
				ms(times[len(times)-1]), memFigures())
		}
	}

	slices.Sort(times)
	med := times[len(times)/2]
	fmt.Fprintf(e.stdout, "dcgan 28x28x1 blas=%s threads=%d batch=%d steps=%d step_ms=%.1f "+
		"p10_ms=%.1f p90_ms=%.1f %s\n", kernels.BLAS, *threads, *batch, *steps, ms(med),
		ms(times[len(times)/10]), ms(times[len(times)*9/10]), memFigures())
	fmt.Fprintf(e.stdout, "images_per_s=%.0f\n", float64(*batch)/med.Seconds())
	return nil
}

// startCPUProfile writes a CPU profile to path (none when path is empty)
// until the returned function is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// memFigures reports resident and peak resident memory (from /proc, where
// there is one) and the Go heap in use.
func memFigures() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := fmt.Sprintf("heap_mib=%.0f", float64(ms.HeapInuse)/(1<<20))
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		for _, key := range []string{"VmRSS:", "VmHWM:"} {
			if rest, ok := strings.CutPrefix(line, key); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
				name := map[string]string{"VmRSS:": "rss_mib", "VmHWM:": "peak_rss_mib"}[key]
				out += fmt.Sprintf(" %s=%.0f", name, float64(kb)/1024)
			}
		}
	}
	return out
}
