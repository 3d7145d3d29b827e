package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Event is one progress report of a run.
type Event struct {
	Time  time.Time          `json:"time"`
	Kind  string             `json:"event"` // start, step, eval, end, skip
	Cell  string             `json:"cell"`
	Run   string             `json:"run,omitempty"`
	Step  int64              `json:"step"`
	Steps int64              `json:"steps"`
	Rate  float64            `json:"steps_per_s,omitempty"`
	ETA   float64            `json:"eta_s,omitempty"`
	Loss  map[string]float64 `json:"losses,omitempty"`
	Best  map[string]float64 `json:"best,omitempty"`
	// Status and Msg are set on end and skip events.
	Status string `json:"status,omitempty"`
	Msg    string `json:"msg,omitempty"`
}

// Progress receives events from every worker; implementations must be safe
// for concurrent use.
type Progress interface {
	Report(Event)
}

// JSONProgress writes one JSON object per line, for batch systems.
type JSONProgress struct {
	mu sync.Mutex
	w  io.Writer
	// Every throttles step events per cell; start, eval and end always go.
	Every time.Duration
	last  map[string]time.Time
}

// NewJSONProgress returns a JSON-lines reporter writing to w.
func NewJSONProgress(w io.Writer) *JSONProgress {
	return &JSONProgress{w: w, Every: 2 * time.Second, last: map[string]time.Time{}}
}

// Report writes e unless it is a throttled step event.
func (p *JSONProgress) Report(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Kind == "step" {
		if e.Time.Sub(p.last[e.Cell]) < p.Every && e.Step != e.Steps {
			return
		}
		p.last[e.Cell] = e.Time
	}
	clean(e.Loss)
	clean(e.Best)
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	p.w.Write(append(b, '\n'))
}

// clean drops values JSON cannot carry (NaN, Inf); a diverged loss is
// reported by the end event instead.
func clean(m map[string]float64) {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
}

// TextProgress draws a progress line per run for people. On a terminal
// with one run at a time it redraws the line in place; otherwise it prints
// a line every Every.
type TextProgress struct {
	mu       sync.Mutex
	w        io.Writer
	Terminal bool
	Every    time.Duration
	last     map[string]time.Time
	open     bool   // a line is drawn without its newline
	openCell string // whose line is open
}

// NewTextProgress returns a reporter for people writing to w.
func NewTextProgress(w io.Writer, terminal bool) *TextProgress {
	every := 5 * time.Second
	if terminal {
		every = 200 * time.Millisecond
	}
	return &TextProgress{w: w, Terminal: terminal, Every: every, last: map[string]time.Time{}}
}

// Report draws e.
func (p *TextProgress) Report(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Kind == "step" {
		if e.Time.Sub(p.last[e.Cell]) < p.Every && e.Step != e.Steps {
			return
		}
		p.last[e.Cell] = e.Time
	}
	var line string
	switch e.Kind {
	case "step", "eval":
		line = fmt.Sprintf("%s %s %d/%d %5.1f%% %.2f steps/s ETA %s%s%s", e.Cell, bar(e.Step,
			e.Steps),
			e.Step, e.Steps, 100*float64(e.Step)/float64(max(e.Steps, 1)), e.Rate,
			(time.Duration(e.ETA) * time.Second).Round(time.Second), values(" ", e.Loss),
			values(" best ", e.Best))
	case "start":
		line = fmt.Sprintf("%s start %s %s", e.Cell, e.Run, e.Msg)
	default:
		line = fmt.Sprintf("%s %s at step %d/%d%s%s", e.Cell, e.Status, e.Step, e.Steps,
			values(" best ", e.Best), suffix(e.Msg))
	}
	if p.Terminal && (e.Kind == "step" || e.Kind == "eval") {
		if p.open && p.openCell != e.Cell {
			fmt.Fprintln(p.w) // another run's line: keep it, start a new one
		}
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.open, p.openCell = true, e.Cell
		return
	}
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
	fmt.Fprintln(p.w, line)
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// bar draws a 20-character bar.
func bar(step, steps int64) string {
	const width = 20
	n := int(width * step / max(steps, 1))
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

// values renders "k=v k=v" with keys sorted.
func values(prefix string, m map[string]float64) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%.4g", k, m[k])
	}
	return prefix + strings.Join(parts, " ")
}

// discard is the Progress of a Runner that was given none.
type discard struct{}

func (discard) Report(Event) {}
