package protocol

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The committed code in pb/ must be exactly what `make generate` produces
// from proto/ndalab.proto.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is not installed (Debian: protobuf-compiler); .ci/run installs it")
	}
	out := t.TempDir()
	gen := func(tool string) string {
		path, err := exec.Command("go", "tool", "-n", tool).Output()
		if err != nil {
			t.Fatalf("go tool -n %s: %v", tool, err)
		}
		return string(bytes.TrimSpace(path))
	}
	cmd := exec.Command("protoc",
		"--plugin=protoc-gen-go="+gen("protoc-gen-go"),
		"--plugin=protoc-gen-go-grpc="+gen("protoc-gen-go-grpc"),
		"-I", "proto",
		"--go_out="+out, "--go_opt=paths=source_relative",
		"--go-grpc_out="+out, "--go-grpc_opt=paths=source_relative",
		"proto/ndalab.proto")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, msg)
	}
	for _, name := range []string{"ndalab.pb.go", "ndalab_grpc.pb.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("pb", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("pb/%s is stale: run make generate and commit the result", name)
		}
	}
}
