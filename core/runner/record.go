package runner

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ndalab/ndalab/core"
)

// HostInfo is what the caller knows about the compute backend.
type HostInfo struct {
	BLAS   string `json:"blas,omitempty"`   // backend.BLAS(), e.g. "openblas" or "gonum"
	Device string `json:"device,omitempty"` // e.g. "cpu"
}

// PluginInfo identifies one component of a run.
type PluginInfo struct {
	Kind    core.Kind `json:"kind"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	SHA256  string    `json:"sha256,omitempty"`
}

// GitInfo is the source revision of the ndalab binary.
type GitInfo struct {
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty"`
	Source string `json:"source"` // "git", "build info" or "unknown"
}

// Record is a run's reproducibility record, stored with the run and
// written as record.json beside its artifacts.
type Record struct {
	Config    json.RawMessage `json:"config"`
	Seed      int64           `json:"seed"`
	Version   string          `json:"ndalab_version"`
	Protocol  int             `json:"protocol_version"`
	Git       GitInfo         `json:"git"`
	Plugins   []PluginInfo    `json:"plugins"`
	Host      string          `json:"host"`
	GoVersion string          `json:"go_version"`
	OS        string          `json:"os"`
	Arch      string          `json:"arch"`
	CPUs      int             `json:"cpus"`
	HostInfo
	// DataChecksum is the training split's content hash, as the dataset
	// reported it.
	DataChecksum string `json:"data_checksum,omitempty"`
	// FeatureCheckpoint and FeatureSHA256 name the feature network's
	// weights: the checkpoint it loaded and the sha256 of the model bytes
	// in it. Both are empty without a checkpoint, when the network is its
	// plugin's initialisation, which the plugin version and parameters fix.
	FeatureCheckpoint string    `json:"feature_checkpoint,omitempty"`
	FeatureSHA256     string    `json:"feature_sha256,omitempty"`
	Started           time.Time `json:"started"`
	Ended             time.Time `json:"ended,omitzero"`
	Step              int64     `json:"step"`
}

func (r *Runner) newRecord(c *Cell, comps []*started, t time.Time) Record {
	host, _ := os.Hostname()
	rec := Record{
		Config: json.RawMessage(c.Config), Seed: c.Seed,
		Version: core.Version, Protocol: core.ProtocolVersion, Git: r.git(),
		Host: host, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), HostInfo: r.opt.Host, Started: t,
	}
	if len(rec.Config) == 0 {
		rec.Config = json.RawMessage("{}")
	}
	sum, _ := r.opt.Launcher.(Checksummer)
	seen := map[string]bool{}
	for _, s := range comps {
		if s == nil || seen[s.desc.ID()] {
			continue
		}
		seen[s.desc.ID()] = true
		p := PluginInfo{Kind: s.desc.Kind, Name: s.desc.Name, Version: s.desc.Version}
		if sum != nil {
			p.SHA256 = sum.Checksum(s.desc.Kind, s.desc.Name)
		}
		rec.Plugins = append(rec.Plugins, p)
	}
	return rec
}

// JSON encodes the record.
func (rec Record) JSON() json.RawMessage {
	b, err := json.Marshal(rec)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// Write writes the record as indented JSON, atomically.
func (rec Record) Write(path string) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// gitInfo returns the commit the ndalab binary was built from: the VCS
// stamp of the build when there is one, else git's view of the working
// directory if that is an ndalab checkout (go test, go run).
func gitInfo() GitInfo {
	if bi, ok := debug.ReadBuildInfo(); ok {
		g := GitInfo{Source: "build info"}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				g.Commit = s.Value
			case "vcs.modified":
				g.Dirty = s.Value == "true"
			}
		}
		if g.Commit != "" {
			return g
		}
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return GitInfo{Source: "unknown"}
	}
	mod, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(top)), "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/ndalab/ndalab\n") {
		return GitInfo{Source: "unknown"}
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return GitInfo{Source: "unknown"}
	}
	g := GitInfo{Commit: strings.TrimSpace(string(out)), Source: "git"}
	if st, err := exec.Command("git", "status", "--porcelain",
		"--untracked-files=no").Output(); err == nil {
		g.Dirty = len(strings.TrimSpace(string(st))) > 0
	}
	return g
}

// git returns gitInfo, computed once per Runner.
func (r *Runner) git() GitInfo {
	r.gitOnce.Do(func() { r.gitInfo = gitInfo() })
	return r.gitInfo
}
