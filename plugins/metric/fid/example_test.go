package fid_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/metric/fid"
)

// The runner computes the real data's statistics once per dataset, split,
// sample count and feature network, and reuses them for every evaluation.
func ExampleCache() {
	dir, err := os.MkdirTemp("", "fid-cache")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cache := fid.Cache{Dir: dir}
	key := fid.RefKey{Dataset: "toy", Split: "train", Samples: 4, FeatureHash: "0123abcd"}

	ref, err := cache.Load(key)
	if errors.Is(err, core.ErrNotFound) {
		// Four 2-d real features: mean (0, 0), covariance diag(2/3, 2/3).
		feats := &core.Batch{Shape: [4]int{4, 2, 1, 1}, Data: []float32{1, 0, -1, 0, 0, 1, 0, -1}}
		if ref, err = fid.StatsOf(feats); err != nil {
			panic(err)
		}
		if err := cache.Save(key, ref); err != nil {
			panic(err)
		}
	} else if err != nil {
		panic(err)
	}

	// The same set shifted by (1, 1): FID = |Δμ|² = 2. The file name ends
	// with the first 8 bytes of sha256("toy/train/n=4/0123abcd").
	gen := &core.Batch{Shape: [4]int{4, 2, 1, 1}, Data: []float32{2, 1, 0, 1, 1, 2, 1, 0}}
	gs, err := fid.StatsOf(gen)
	if err != nil {
		panic(err)
	}
	d, err := fid.Distance(gs, ref, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("FID %.6f, cached in %s\n", d, key.FileName())
	// Output: FID 2.000000, cached in toy_train_n4_af230e9a2f4212ab.fidstats
}
