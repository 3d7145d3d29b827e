package protocol

import (
	"maps"
	"slices"
)

// sortedKeys gives a fixed send order, so a stream's bytes depend only on
// its contents.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
