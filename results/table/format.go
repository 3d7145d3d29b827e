package table

import (
	"math"
	"strconv"
)

// Significant digits shown: the std gets stdDigits; the mean is rounded to
// the std's last digit, but keeps at least minDigits and at most maxDigits.
const (
	stdDigits = 2
	minDigits = 3
	maxDigits = 4
)

// decimalsFor returns how many digits after the point show sig significant
// digits of v; negative when the rounding falls left of the point.
func decimalsFor(v float64, sig int) int {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
}

// decimals chooses the digits after the point for a cell.
func decimals(c Cell) int {
	if c.Mean == 0 && c.Std == 0 {
		return 0
	}
	lo, hi := decimalsFor(c.Mean, minDigits), decimalsFor(c.Mean, maxDigits)
	if c.Mean == 0 {
		lo, hi = decimalsFor(c.Std, stdDigits), decimalsFor(c.Std, stdDigits)
	}
	d := hi
	if c.N > 1 && c.Std > 0 && !math.IsNaN(c.Std) {
		d = min(max(decimalsFor(c.Std, stdDigits), lo), hi)
	}
	return max(d, 0)
}

// MeanText formats the cell's mean with its chosen digits.
func (c Cell) MeanText() string {
	return fixed(c.Mean, decimals(c))
}

// StdText formats the std rounded like the mean; empty for one seed.
func (c Cell) StdText() string {
	if c.N < 2 {
		return ""
	}
	return fixed(c.Std, decimals(c))
}

// Text is "mean ± std (n)", or "mean (1)" for one seed, or "" when empty.
func (c Cell) Text() string {
	switch {
	case c.N == 0:
		return ""
	case c.N == 1:
		return c.MeanText() + " (1)"
	}
	return c.MeanText() + " ± " + c.StdText() + " (" + strconv.Itoa(c.N) + ")"
}

func fixed(v float64, d int) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}
