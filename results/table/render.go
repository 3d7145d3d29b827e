package table

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// Formats lists the table formats Render writes.
var Formats = []string{"terminal", "markdown", "csv", "latex", "json"}

// Render writes t to w in format, one of Formats.
func Render(w io.Writer, t *Table, format string) error {
	switch format {
	case "terminal":
		return renderTerminal(w, t)
	case "markdown":
		return renderMarkdown(w, t)
	case "csv":
		return renderCSV(w, t)
	case "latex":
		return renderLatex(w, t)
	case "json":
		return renderJSON(w, t)
	}
	return fmt.Errorf("render table: unknown format %q (want one of %s): %w",
		format, strings.Join(Formats, ", "), core.ErrInvalidArgument)
}

// header is a column's title: the column value and, when several metrics
// share a column value or there is no column parameter, the metric.
func (t *Table) header(c Column, arrow func(higher bool) string) string {
	metric := c.Metric.Name + arrow(c.Metric.HigherIsBetter)
	switch {
	case t.ColParam == "":
		return metric
	case t.metricsPerKey() == 1:
		return t.ColParam + "=" + c.Key
	}
	return t.ColParam + "=" + c.Key + " " + metric
}

func (t *Table) metricsPerKey() int {
	n := 0
	for _, c := range t.Columns {
		if c.Key == t.Columns[0].Key {
			n++
		}
	}
	return n
}

// caption says what the numbers are, for formats that have room for it.
func (t *Table) caption() string {
	s := "mean ± std (n seeds) of the " + string(t.Agg) + " value over evaluation steps"
	if t.ColParam != "" && t.metricsPerKey() == 1 {
		s += " of " + t.Columns[0].Metric.Name
	}
	return s
}

func unicodeArrow(higher bool) string {
	if higher {
		return " ↑"
	}
	return " ↓"
}

func renderMarkdown(w io.Writer, t *Table) error {
	esc := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`)
	var b strings.Builder
	b.WriteString("| " + esc.Replace(t.RowParam))
	for _, c := range t.Columns {
		b.WriteString(" | " + esc.Replace(t.header(c, unicodeArrow)))
	}
	b.WriteString(" |\n|:---")
	for range t.Columns {
		b.WriteString("|---:")
	}
	b.WriteString("|\n")
	for i, row := range t.Rows {
		b.WriteString("| " + esc.Replace(row))
		for _, c := range t.Cells[i] {
			s := c.Text()
			if c.Best {
				s = "**" + s + "**"
			}
			b.WriteString(" | " + s)
		}
		b.WriteString(" |\n")
	}
	b.WriteString("\n" + t.caption() + "; best of each column in bold.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// renderCSV writes numbers, not text: per column, mean, std and n, with
// full precision, so that other tools can compute with them.
func renderCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	head := []string{t.RowParam}
	for _, c := range t.Columns {
		h := t.header(c, func(bool) string { return "" })
		head = append(head, h+" mean", h+" std", h+" n", h+" best")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for i, row := range t.Rows {
		rec := []string{row}
		for _, c := range t.Cells[i] {
			if c.N == 0 {
				rec = append(rec, "", "", "0", "")
				continue
			}
			rec = append(rec, num(c.Mean), num(c.Std), strconv.Itoa(c.N),
				strconv.FormatBool(c.Best))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func renderLatex(w io.Writer, t *Table) error {
	esc := strings.NewReplacer(`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "$", `\$`,
		"#", `\#`, "_", `\_`, "{", `\{`, "}", `\}`, "~", `\textasciitilde{}`,
		"^", `\textasciicircum{}`)
	arrow := func(higher bool) string {
		if higher {
			return " $\\uparrow$"
		}
		return " $\\downarrow$"
	}
	var b strings.Builder
	b.WriteString("% " + t.caption() + "; best of each column in bold.\n")
	b.WriteString("% needs \\usepackage{booktabs}\n")
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", len(t.Columns)) + "}\n\\toprule\n")
	b.WriteString(esc.Replace(t.RowParam))
	for _, c := range t.Columns {
		h := esc.Replace(t.header(c, func(bool) string { return "" }))
		b.WriteString(" & " + h + arrow(c.Metric.HigherIsBetter))
	}
	b.WriteString(" \\\\\n\\midrule\n")
	for i, row := range t.Rows {
		b.WriteString(esc.Replace(row))
		for _, c := range t.Cells[i] {
			b.WriteString(" & " + latexCell(c))
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func latexCell(c Cell) string {
	if c.N == 0 {
		return "--"
	}
	s := c.MeanText()
	if c.N > 1 {
		s += " $\\pm$ " + c.StdText()
	}
	if c.Best {
		s = "\\textbf{" + s + "}"
	}
	return s + " (" + strconv.Itoa(c.N) + ")"
}

// jsonTable is the json format's document.
type jsonTable struct {
	Rows    string       `json:"rows"`
	Cols    string       `json:"cols,omitempty"`
	Agg     Agg          `json:"agg"`
	Columns []jsonColumn `json:"columns"`
	Data    []jsonRow    `json:"data"`
}

type jsonColumn struct {
	Key            string `json:"key,omitempty"`
	Metric         string `json:"metric"`
	HigherIsBetter bool   `json:"higher_is_better"`
	Direction      string `json:"direction_source"`
}

type jsonRow struct {
	Key   string     `json:"key"`
	Cells []jsonCell `json:"cells"`
}

type jsonCell struct {
	Mean *float64 `json:"mean"` // nil when empty or NaN
	Std  *float64 `json:"std"`
	N    int      `json:"n"`
	Best bool     `json:"best,omitempty"`
	Text string   `json:"text"`
}

func renderJSON(w io.Writer, t *Table) error {
	doc := jsonTable{Rows: t.RowParam, Cols: t.ColParam, Agg: t.Agg,
		Columns: []jsonColumn{}, Data: []jsonRow{}}
	for _, c := range t.Columns {
		doc.Columns = append(doc.Columns, jsonColumn{Key: c.Key, Metric: c.Metric.Name,
			HigherIsBetter: c.Metric.HigherIsBetter, Direction: c.Metric.Source})
	}
	for i, row := range t.Rows {
		r := jsonRow{Key: row}
		for _, c := range t.Cells[i] {
			jc := jsonCell{N: c.N, Best: c.Best, Text: c.Text()}
			if c.N > 0 {
				jc.Mean, jc.Std = finite(c.Mean), finite(c.Std)
			}
			r.Cells = append(r.Cells, jc)
		}
		doc.Data = append(doc.Data, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
