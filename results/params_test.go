package results

import (
	"slices"
	"testing"
)

func TestShownParams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   []string
	}{
		{"labelled plugins", map[string]any{
			"augmentation": "jigsaw(k=4)", "augmentation.name": "jigsaw",
			"augmentation.params.k": 4.0, "features.model": "encoder",
			"features.model.name": "encoder", "train.lambda": 0.5, "seed": 1.0,
		}, []string{"augmentation", "features.model", "seed", "train.lambda"}},
		{"no labels", map[string]any{"augmentation.name": "cutout", "train.lambda": 0.5},
			[]string{"augmentation.name", "train.lambda"}},
		// A name that merely starts like another is not under it.
		{"prefix without a dot", map[string]any{"aug": "a", "augmentation.name": "b"},
			[]string{"aug", "augmentation.name"}},
		{"empty", nil, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShownParams(tc.params); !slices.Equal(got, tc.want) {
				t.Errorf("ShownParams = %q, want %q", got, tc.want)
			}
		})
	}
}
