package fid

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

func testStats(t *testing.T, n, d int) Stats {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x.Set(i, j, r.NormFloat64())
		}
	}
	s, err := ComputeStats(x)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCacheRoundTrip(t *testing.T) {
	c := Cache{Dir: t.TempDir() + "/sub"}
	k := RefKey{Dataset: "cifar10", Split: "train", Samples: 20, FeatureHash: "abc123"}
	s := testStats(t, 20, 5)

	if _, err := c.Load(k); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("load before save: %v, want ErrNotFound", err)
	}
	if err := c.Save(k, s); err != nil {
		t.Fatal(err)
	}
	got, err := c.Load(k)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != s.N || !mat.Equal(got.Cov, s.Cov) ||
		!mat.Equal(mat.NewVecDense(5, got.Mean), mat.NewVecDense(5, s.Mean)) {
		t.Error("loaded statistics differ from saved ones")
	}

	// Every part of the key selects a different file.
	for _, other := range []RefKey{
		{Dataset: "cifar100", Split: "train", Samples: 20, FeatureHash: "abc123"},
		{Dataset: "cifar10", Split: "test", Samples: 20, FeatureHash: "abc123"},
		{Dataset: "cifar10", Split: "train", Samples: 21, FeatureHash: "abc123"},
		{Dataset: "cifar10", Split: "train", Samples: 20, FeatureHash: "abc124"},
	} {
		if other.FileName() == k.FileName() {
			t.Errorf("keys %s and %s share file %s", k, other, k.FileName())
		}
		if _, err := c.Load(other); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("load %s: %v, want ErrNotFound", other, err)
		}
	}
}

func TestCacheRejectsDamage(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	k := RefKey{Dataset: "mnist", Split: "train", Samples: 10, FeatureHash: "ff"}
	if err := c.Save(k, testStats(t, 10, 3)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.Path(k))
	if err != nil {
		t.Fatal(err)
	}

	// A flipped byte fails the checksum.
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 1
	if err := os.WriteFile(c.Path(k), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.Load(k)
	if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), c.Path(k)) {
		t.Errorf("damaged file: %v, want ErrInvalidArgument naming the file", err)
	}

	// A whole file of another key, copied under this key's name, is refused.
	other := k
	other.FeatureHash = "ee"
	if err := os.WriteFile(c.Path(other), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Load(other); err == nil || !strings.Contains(err.Error(), "want "+other.String()) {
		t.Errorf("file of another key: %v", err)
	}
}

func TestCacheKeyValidation(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	s := testStats(t, 10, 2)
	for _, k := range []RefKey{
		{Split: "train", Samples: 10, FeatureHash: "h"},
		{Dataset: "d", Samples: 10, FeatureHash: "h"},
		{Dataset: "d", Split: "train", Samples: 1, FeatureHash: "h"},
		{Dataset: "d", Split: "train", Samples: 10},
	} {
		if err := c.Save(k, s); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("save under %+v: %v, want ErrInvalidArgument", k, err)
		}
	}
	k := RefKey{Dataset: "d", Split: "train", Samples: 11, FeatureHash: "h"}
	if err := c.Save(k, s); err == nil {
		t.Error("statistics of 10 samples saved under a key of 11: no error")
	}
	odd := RefKey{Dataset: "../x y", Split: "t", Samples: 2, FeatureHash: "h"}
	if name := odd.FileName(); strings.ContainsAny(name, "/ ") {
		t.Errorf("file name %q holds a separator or space", name)
	}
}
