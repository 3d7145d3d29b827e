package request

import (
	"context"
	"errors"
	"testing"

	"github.com/ndalab/ndalab/core"
)

var desc = &core.Descriptor{Kind: core.KindAugmentation, Name: "t", Version: "1",
	Roles:  []string{core.RoleNegative, core.RolePositive},
	Params: []core.Param{{Name: "k", Type: core.TypeInt, Default: 2}}}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	in := core.NewBatch(2, 1, 2, 2)
	cfg, err := Check(ctx, desc, core.AugmentRequest{Config: core.Config{"k": "3"}}, in)
	if err != nil || cfg.Int("k") != 3 {
		t.Fatalf("cfg %v, %v", cfg, err)
	}
	bad := []struct {
		req core.AugmentRequest
		in  *core.Batch
	}{
		{core.AugmentRequest{Role: "other"}, in},
		{core.AugmentRequest{Config: core.Config{"j": 1}}, in},
		{core.AugmentRequest{}, nil},
		{core.AugmentRequest{}, &core.Batch{Shape: [4]int{1, 1, 2, 2}}},
	}
	for _, b := range bad {
		if _, err := Check(ctx, desc, b.req, b.in); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%+v: %v", b.req, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Check(cancelled, desc, core.AugmentRequest{}, in); !errors.Is(err,
		core.ErrCanceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRandKeys(t *testing.T) {
	draw := func(req core.AugmentRequest, purpose string) uint64 {
		return Rand(desc, req,
			purpose).Uint64()
	}
	base := core.AugmentRequest{Seed: 1, Step: 2}
	neg := base
	neg.Role = core.RoleNegative
	pos := base
	pos.Role = core.RolePositive
	if draw(base, "a") != draw(neg, "a") {
		t.Error("an empty role is not the first declared role")
	}
	if draw(neg, "a") == draw(pos, "a") || draw(neg, "a") == draw(neg, "b") {
		t.Error("role and purpose do not change the stream")
	}
	next := neg
	next.Step++
	if draw(neg, "a") == draw(next, "a") {
		t.Error("step does not change the stream")
	}
}

func TestSubConfigs(t *testing.T) {
	inner := map[string]*core.Descriptor{
		"rotate": {Kind: core.KindAugmentation, Name: "rotate", Version: "1",
			Params: []core.Param{{Name: "angles", Type: core.TypeStrings, Default: "90"}}},
		"jigsaw": {Kind: core.KindAugmentation, Name: "jigsaw", Version: "1",
			Params: []core.Param{{Name: "k", Type: core.TypeInt, Default: 2}}},
	}
	got, err := SubConfigs("augmentation/choice", []string{"rotate.angles=90", "180", "jigsaw.k=3"}, inner)
	if err != nil {
		t.Fatal(err)
	}
	if a := got["rotate"].Strings("angles"); len(a) != 2 || a[1] != "180" || got["jigsaw"].Int("k") != 3 {
		t.Fatalf("configs %v", got)
	}
	if got, _ := SubConfigs("x", nil, inner); got["jigsaw"].Int("k") != 2 {
		t.Fatalf("defaults %v", got)
	}
	for _, bad := range [][]string{{"180"}, {"cutout.k=1"}, {"jigsaw.k=x"}, {"jigsaw.z=1"}, {"jigsaw=1"}} {
		if _, err := SubConfigs("x", bad, inner); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
