package nn

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
)

// EncodeCheckpoint returns the backend's checkpoint bytes for parts.
//
// TODO(ndalab): the backend saves checkpoints to files only; a temporary
// file stands in until it offers an in-memory encoder, since Model.Save
// returns bytes across the plugin boundary.
func EncodeCheckpoint(meta []byte, parts ...backend.Stateful) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ndalab-checkpoint-*")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrInternal, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint")
	if err := backend.SaveCheckpoint(path, meta, parts...); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrInternal, err)
	}
	return data, nil
}

// DecodeCheckpoint verifies data and copies its tensors into parts,
// returning the metadata.
func DecodeCheckpoint(data []byte, parts ...backend.Stateful) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ndalab-checkpoint-*")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrInternal, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrInternal, err)
	}
	return backend.LoadCheckpoint(path, parts...)
}
