package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
)

// checkpointFormat names the checkpoint envelope: one line of JSON header,
// then the model's Save bytes unchanged.
const checkpointFormat = "ndalab-checkpoint/1"

// CheckpointHeader describes a checkpoint file.
type CheckpointHeader struct {
	Format string `json:"format"`
	// Step is the number of completed steps; training resumes at it, and
	// the data cursor follows from it.
	Step  int64  `json:"step"`
	Model string `json:"model"` // model plugin name
	Cell  string `json:"cell"`  // cell ID
	RunID string `json:"run_id"`
}

// WriteCheckpoint writes header and model bytes to path atomically: a temp
// file in the same directory, fsync, rename, so a crash leaves either the
// old checkpoint or the new one.
func WriteCheckpoint(path string, h CheckpointHeader, model []byte) error {
	h.Format = checkpointFormat
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename

	w := bufio.NewWriter(tmp)
	w.Write(head)
	w.WriteByte('\n')
	w.Write(model)
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write checkpoint %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	// Sync the directory so the rename itself survives a crash.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint.
func ReadCheckpoint(path string) (CheckpointHeader, []byte, error) {
	var h CheckpointHeader
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return h, nil, fmt.Errorf("%w: checkpoint %s does not exist", core.ErrNotFound, path)
		}
		return h, nil, fmt.Errorf("read checkpoint: %w", err)
	}
	head, body, ok := bytes.Cut(data, []byte{'\n'})
	if !ok || json.Unmarshal(head, &h) != nil || h.Format != checkpointFormat {
		return h, nil, fmt.Errorf("%w: %s is not an ndalab checkpoint (want %s)",
			core.ErrInvalidArgument, path, checkpointFormat)
	}
	return h, body, nil
}
