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

func TestDifferingSetting(t *testing.T) {
	for _, tc := range []struct {
		name, a, b    string
		key, va, vb   string
		differ, fails bool
	}{
		{name: "seed only", a: `{"a":1,"seed":1,"z":{"k":[1,2]}}`,
			b: `{"a":1,"seed":20,"z":{"k":[1,2]}}`},
		{name: "bookkeeping", a: `{"seed":1,"train":{"log_every":10,"steps":5}}`,
			b: `{"seed":2,"train":{"log_every":50,"steps":5,"checkpoint_every":100}}`},
		{name: "nested seed is a setting", a: `{"dataset":{"params":{"seed":1}},"seed":1}`,
			b: `{"dataset":{"params":{"seed":2}},"seed":2}`, key: "dataset.params.seed",
			va: "1", vb: "2", differ: true},
		{name: "seed text inside a string", a: `{"doc":"x\",\"seed\":1","seed":1}`,
			b: `{"doc":"x\",\"seed\":2","seed":1}`, key: "doc", va: `"x\",\"seed\":1"`,
			vb: `"x\",\"seed\":2"`, differ: true},
		{name: "first of several, depth first", a: `{"b":{"x":1},"c":1,"seed":1}`,
			b: `{"b":{"x":2},"c":2,"seed":2}`, key: "b.x", va: "1", vb: "2", differ: true},
		{name: "unset", a: `{"m":{}}`, b: `{"m":{"k":"v"}}`, key: "m.k", va: "(unset)",
			vb: `"v"`, differ: true},
		{name: "empty objects are no settings", a: `{}`, b: `{"params":{}}`},
		{name: "list", a: `{"m":[1]}`, b: `{"m":[1,2]}`, key: "m", va: "[1]", vb: "[1,2]",
			differ: true},
		{name: "object against leaf", a: `{"m":{"k":1}}`, b: `{"m":3}`, key: "m",
			va: `{"k":1}`, vb: "3", differ: true},
		{name: "invalid", a: `{"m":1}`, b: `{"m":tru}`, fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &Run{ID: "a", Config: []byte(tc.a)}
			b := &Run{ID: "b", Config: []byte(tc.b)}
			key, va, vb, differ, err := DifferingSetting(a, b)
			if (err != nil) != tc.fails {
				t.Fatalf("error %v, want failure %v", err, tc.fails)
			}
			if key != tc.key || va != tc.va || vb != tc.vb || differ != tc.differ {
				t.Errorf("got %q %q %q %v, want %q %q %q %v", key, va, vb, differ,
					tc.key, tc.va, tc.vb, tc.differ)
			}
		})
	}
}
