package results

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
)

// Export tables and formats.
var (
	ExportTables  = []string{"runs", "metrics", "series"}
	ExportFormats = []string{"csv", "jsonl"}
)

// exportQueries are the only SQL texts Export runs, by table; f selects
// runs by experiment (?1) and status (?2).
var exportQueries = map[string]string{
	"runs": `SELECT r.id, r.experiment, r.cell_id, r.seed, r.status, r.error, r.step,
		r.started, r.ended, r.params, r.config, r.record FROM runs r`,
	"metrics": `SELECT r.id, m.name, m.step, m.value, m.higher_is_better
		FROM metrics m JOIN runs r ON r.rid = m.rid`,
	"series": `SELECT r.id, p.name, p.step, p.value FROM series p JOIN runs r ON r.rid = p.rid`,
}

var exportOrder = map[string]string{
	"runs":    " ORDER BY r.started, r.id",
	"metrics": " ORDER BY r.started, r.id, m.name, m.step",
	"series":  " ORDER BY r.started, r.id, p.name, p.step",
}

// Export writes the raw rows of one table (runs, metrics or series) of the
// runs f selects to w, as csv (with a header) or jsonl (one object a line).
// Times are RFC 3339 in UTC; a NaN value is "NaN" in csv and null in jsonl.
func (s *Store) Export(ctx context.Context, w io.Writer, table, format string, f RunFilter) error {
	q, ok := exportQueries[table]
	if !ok {
		return fmt.Errorf("export: unknown table %q (want one of %s): %w",
			table, strings.Join(ExportTables, ", "), core.ErrInvalidArgument)
	}
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("export: unknown format %q (want one of %s): %w",
			format, strings.Join(ExportFormats, ", "), core.ErrInvalidArgument)
	}
	q += " WHERE (?1 = '' OR r.experiment = ?1) AND (?2 = '' OR r.status = ?2)" + exportOrder[table]
	rows, err := s.r.QueryContext(ctx, q, f.Experiment, f.Status)
	if err != nil {
		return s.fileErr("export "+table, err)
	}
	defer rows.Close()

	cols, err := rows.Columns()
	if err != nil {
		return s.fileErr("export "+table, err)
	}
	for i := range cols {
		cols[i] = cols[i][strings.IndexByte(cols[i], '.')+1:]
	}
	if table != "runs" {
		cols[0] = "run_id"
	}
	out := newRowWriter(w, format, cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return s.fileErr("export "+table, err)
		}
		if err := out.write(exportValues(table, cols, vals)); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
	}
	if err := rows.Err(); err != nil {
		return s.fileErr("export "+table, err)
	}
	return out.flush()
}

// exportValues turns stored values into their exported forms: times as
// RFC 3339, JSON columns as JSON, NULL values as NaN, flags as booleans.
func exportValues(table string, cols []string, vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch c := cols[i]; {
		case c == "started" || c == "ended":
			if n, ok := v.(int64); ok {
				v = time.Unix(0, n).UTC().Format(time.RFC3339Nano)
			}
		case c == "params" || c == "config" || c == "record":
			if s, ok := v.(string); ok {
				v = json.RawMessage(s)
			}
		case c == "value" && v == nil:
			v = math.NaN()
		case c == "higher_is_better" && v != nil:
			v = v.(int64) != 0
		}
		out[i] = v
	}
	return out
}

// rowWriter writes rows as csv or jsonl.
type rowWriter struct {
	cols []string
	csv  *csv.Writer
	buf  *bufio.Writer
	rec  []string
	err  error
}

func newRowWriter(w io.Writer, format string, cols []string) *rowWriter {
	rw := &rowWriter{cols: cols}
	if format == "csv" {
		rw.csv = csv.NewWriter(w)
		rw.err = rw.csv.Write(cols)
		rw.rec = make([]string, len(cols))
	} else {
		rw.buf = bufio.NewWriter(w)
	}
	return rw
}

func (rw *rowWriter) write(vals []any) error {
	if rw.err != nil {
		return rw.err
	}
	if rw.csv != nil {
		for i, v := range vals {
			rw.rec[i] = csvText(v)
		}
		return rw.csv.Write(rw.rec)
	}

	// Build the object by hand to keep the column order.
	rw.buf.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			rw.buf.WriteByte(',')
		}
		k, _ := json.Marshal(rw.cols[i])
		rw.buf.Write(k)
		rw.buf.WriteByte(':')
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			v = nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		rw.buf.Write(b)
	}
	_, err := rw.buf.WriteString("}\n")
	return err
}

func (rw *rowWriter) flush() error {
	if rw.err != nil {
		return rw.err
	}
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	return rw.buf.Flush()
}

func csvText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.RawMessage:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
