// Package table turns runs in a results store into comparison tables: one
// parameter pivoted into rows, optionally another into columns, one or more
// metrics per column, seeds aggregated as mean ± std (n), and the best cell
// of each column marked.
//
// The model (Build, Load) is separate from the renderers (Render): terminal
// (tablewriter), markdown, csv, latex (booktabs) and json.
package table
