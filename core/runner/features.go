package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// weightsSum is the hex sha256 of a checkpoint's model bytes: the weights,
// without the header, so that the same network saved by another run (or at
// another step) has the same sum.
func weightsSum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// requiredCheckpoint is the checkpoint that the features.from cell req
// left: best.ckpt when its metrics chose one, else last.ckpt.
func (r *Runner) requiredCheckpoint(req *Cell) (string, error) {
	for _, f := range []string{"best.ckpt", "last.ckpt"} {
		path := filepath.Join(r.cellDir(req), f)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("%w: features.from: cell %s left no checkpoint in %s", core.ErrNotFound,
		req, r.cellDir(req))
}

// staleFeatures says why the feature network of a finished run of c is no
// longer the one c would use; "" if it is. The network is its plugin
// (whose version stale compares), its parameters (part of the cell's
// identity) and the weights it loaded, compared here by their sum. A
// features.from cell must itself still stand, since a cell that runs
// again trains new weights.
func (r *Runner) staleFeatures(ctx context.Context, c *Cell, rec *Record) string {
	path := c.Features.Checkpoint
	if req := c.Features.From; req != nil {
		prev, err := r.opt.Store.LatestRun(ctx, req.Experiment, req.ID)
		if err != nil {
			return fmt.Sprintf("features.from cell %s: %v", req, err)
		}
		if prev == nil || prev.Status != results.StatusFinished {
			return fmt.Sprintf("features.from cell %s has no finished run", req)
		}
		if why := r.stale(ctx, req, prev); why != "" {
			return fmt.Sprintf("features.from cell %s runs again: %s", req, why)
		}
		if path, err = r.requiredCheckpoint(req); err != nil {
			return err.Error()
		}
	}
	// A record from before feature sums were kept cannot be compared.
	if path == "" || rec.FeatureSHA256 == "" {
		return ""
	}
	_, body, err := ReadCheckpoint(path)
	if err != nil {
		return fmt.Sprintf("feature network: %v", err)
	}
	if sum := weightsSum(body); sum != rec.FeatureSHA256 {
		return fmt.Sprintf("feature network changed (weights sha256 %.12s recorded, now %.12s "+
			"in %s)", rec.FeatureSHA256, sum, path)
	}
	return ""
}
