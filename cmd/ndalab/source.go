package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// sourceDir is the ndalab source tree this binary was built from; the
// Makefile sets it with -ldflags "-X main.sourceDir=...".
var sourceDir string

// sourceTree finds the ndalab source tree a scaffolded plugin should build
// against: sourceDir, else the first directory above the binary that holds
// ndalab's go.mod (bin/ndalab in a checkout).
func sourceTree() (string, error) {
	if isSourceTree(sourceDir) {
		return sourceDir, nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, _ = filepath.EvalSymlinks(exe)
		for dir := filepath.Dir(exe); ; dir = filepath.Dir(dir) {
			if isSourceTree(dir) {
				return dir, nil
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	return "", errors.New("cannot find the ndalab source tree this binary came from; pass --sdk PATH")
}

func isSourceTree(dir string) bool {
	if dir == "" {
		return false
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && bytes.Contains(mod, []byte("module github.com/ndalab/ndalab\n"))
}
