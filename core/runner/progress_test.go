package runner

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestJSONProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewJSONProgress(&buf)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p.Report(Event{Time: t0, Kind: "start", Cell: "c1", Run: "c1-1", Steps: 10})
	p.Report(Event{Time: t0, Kind: "step", Cell: "c1", Step: 1, Steps: 10,
		Loss: map[string]float64{"g/loss": 0.5, "d/loss": math.NaN()}})
	p.Report(Event{Time: t0.Add(time.Second), Kind: "step", Cell: "c1", Step: 2,
		Steps: 10}) // throttled
	p.Report(Event{Time: t0.Add(time.Second), Kind: "end", Cell: "c1", Step: 10, Steps: 10,
		Status: "finished"})

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (start, first step, end):\n%s", len(lines), buf.String())
	}
	var step Event
	if err := json.Unmarshal([]byte(lines[1]), &step); err != nil {
		t.Fatal(err)
	}
	if step.Kind != "step" || step.Loss["g/loss"] != 0.5 || len(step.Loss) != 1 {
		t.Errorf("step event %+v, want g/loss 0.5 and the NaN dropped", step)
	}
	if !strings.Contains(lines[2], `"status":"finished"`) {
		t.Errorf("end line %s", lines[2])
	}
}

func TestTextProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewTextProgress(&buf, false)
	t0 := time.Now()
	p.Report(Event{Time: t0, Kind: "step", Cell: "c1", Step: 5, Steps: 10, Rate: 2.5, ETA: 2,
		Loss: map[string]float64{"loss": 0.25}, Best: map[string]float64{"fid": 12}})
	p.Report(Event{Time: t0, Kind: "end", Cell: "c1", Step: 7, Steps: 10, Status: "diverged",
		Msg: "loss g/loss is NaN at step 7"})
	want := "c1 [==========          ] 5/10  50.0% 2.50 steps/s ETA 2s loss=0.25 best fid=12\n" +
		"c1 diverged at step 7/10: loss g/loss is NaN at step 7\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
}
