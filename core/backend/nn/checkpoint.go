package nn

import (
	"encoding/json"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/backend"
)

// seedMeta is the metadata of a checkpoint whose model needs only its seed
// besides its tensors.
type seedMeta struct {
	Seed int64 `json:"seed"`
}

// EncodeSeeded returns a backend checkpoint of parts with seed as its
// metadata.
func EncodeSeeded(seed int64, parts ...backend.Stateful) ([]byte, error) {
	meta, err := json.Marshal(seedMeta{Seed: seed})
	if err != nil {
		return nil, err
	}
	return backend.EncodeCheckpoint(meta, parts...)
}

// DecodeSeeded restores parts from a checkpoint EncodeSeeded wrote and
// returns its seed.
func DecodeSeeded(data []byte, parts ...backend.Stateful) (int64, error) {
	raw, err := backend.DecodeCheckpoint(data, parts...)
	if err != nil {
		return 0, err
	}
	var meta seedMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return 0, fmt.Errorf("%w: checkpoint metadata: %v", core.ErrInvalidArgument, err)
	}
	return meta.Seed, nil
}
