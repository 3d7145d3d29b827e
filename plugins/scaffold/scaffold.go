// Package scaffold creates a new plugin module: a go.mod that builds
// against a local ndalab source tree, and a main.go with a small, working
// component of the chosen kind that passes the conformance kit untouched.
package scaffold

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/ndalab/ndalab/core"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Options say what to create.
type Options struct {
	Kind core.Kind
	Name string // lowercase words joined by '-'
	Dir  string // the module directory; must not exist or be empty
	SDK  string // the ndalab source tree (holding go.mod and go.sum)
	// SkipTidy leaves go.mod's requirements for the caller to complete.
	SkipTidy bool
}

// Result says what was created.
type Result struct {
	Dir    string // absolute module directory
	Binary string // the file name go build -o should produce
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Create writes the module and, unless SkipTidy, runs go mod tidy so that
// `go build` works at once.
func Create(ctx context.Context, opts Options) (Result, error) {
	if !namePattern.MatchString(opts.Name) {
		return Result{}, fmt.Errorf(
			"%w: plugin name %q: want lowercase words joined by '-', e.g. my-neg",
			core.ErrInvalidArgument,
			opts.Name,
		)
	}
	sdk, err := filepath.Abs(opts.SDK)
	if err != nil {
		return Result{}, err
	}
	if err := checkSDK(sdk); err != nil {
		return Result{}, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return Result{}, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return Result{}, fmt.Errorf("%w: %s exists and is not empty", core.ErrInvalidArgument, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, err
	}

	data := map[string]string{
		"Kind":   string(opts.Kind),
		"Name":   opts.Name,
		"Type":   goIdent(opts.Name),
		"Module": "example.com/ndalab-" + string(opts.Kind) + "-" + opts.Name,
		"SDK":    sdk,
		"Binary": "ndalab-" + string(opts.Kind) + "-" + opts.Name,
	}
	files := map[string]string{
		"go.mod":    "gomod.tmpl",
		"main.go":   string(opts.Kind) + ".tmpl",
		"README.md": "readme.tmpl",
	}
	for out, tmpl := range files {
		if err := render(filepath.Join(dir, out), tmpl, data); err != nil {
			return Result{}, err
		}
	}

	// ndalab is on no module proxy: its go.sum covers every module the SDK
	// needs, so tidy resolves from the local module cache.
	sum, err := os.ReadFile(filepath.Join(sdk, "go.sum"))
	if err != nil {
		return Result{}, fmt.Errorf("read the SDK's go.sum: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return Result{}, err
	}
	if !opts.SkipTidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return Result{}, fmt.Errorf("go mod tidy in %s: %w\n%s", dir, err, out)
		}
	}
	return Result{Dir: dir, Binary: data["Binary"]}, nil
}

func checkSDK(dir string) error {
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !bytes.Contains(mod, []byte("module github.com/ndalab/ndalab\n")) {
		return fmt.Errorf(
			"%w: %s is not an ndalab source tree (no go.mod for github.com/ndalab/ndalab); "+
				"pass --sdk PATH",
			core.ErrNotFound,
			dir,
		)
	}
	return nil
}

func render(path, name string, data map[string]string) error {
	t, err := template.ParseFS(templates, "templates/"+name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// goIdent turns "my-neg" into "myNeg".
func goIdent(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
