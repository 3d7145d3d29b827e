package table

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// renderTerminal draws a boxed table with tablewriter; the best cell of
// each column ends in " *".
func renderTerminal(w io.Writer, t *Table) error {
	align := make([]tw.Align, len(t.Columns)+1)
	align[0] = tw.AlignLeft
	for i := range t.Columns {
		align[i+1] = tw.AlignRight
	}
	tab := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)

	head := []any{t.RowParam}
	for _, c := range t.Columns {
		head = append(head, t.header(c, unicodeArrow))
	}
	tab.Header(head...)
	for i, row := range t.Rows {
		rec := []string{row}
		for _, c := range t.Cells[i] {
			s := c.Text()
			switch {
			case c.N == 0:
				s = "-"
			case c.Best:
				s += " *"
			default:
				s += "  " // keeps the numbers aligned with the marked ones
			}
			rec = append(rec, s)
		}
		if err := tab.Append(rec); err != nil {
			return fmt.Errorf("render table: %w", err)
		}
	}
	if err := tab.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	_, err := fmt.Fprintln(w, t.caption()+"; * marks the best of each column.")
	return err
}
