package table

import (
	"fmt"
	"strings"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/results"
)

// knownHigher gives the direction of common metrics by base name (the name
// up to its first '_', '@', '-' or '.'; "loss_d" has base "loss").
var knownHigher = map[string]bool{
	"fid": false, "kid": false, "loss": false, "mse": false, "mae": false, "nll": false,
	"bpd": false, "error": false, "err": false,
	"auroc": true, "auc": true, "auprc": true, "ap": true, "acc": true, "accuracy": true,
	"precision": true, "recall": true, "f1": true, "is": true, "inception": true,
}

// baseName cuts a metric name at its first separator.
func baseName(name string) string {
	name = strings.ToLower(name)
	if i := strings.IndexAny(name, "_@-."); i > 0 {
		return name[:i]
	}
	return name
}

// direction decides whether higher is better for a metric: what the caller
// stated wins, then what metric plugins recorded, then knownHigher.
func direction(name string, stated map[string]bool, info results.MetricInfo) (bool, string, error) {
	if h, ok := stated[name]; ok {
		return h, "stated", nil
	}
	if info.Conflict {
		return false, "", fmt.Errorf("metric %s: runs record both directions (higher and lower "+
			"is better): state one with --higher %s or --lower %s: %w",
			name, name, name, core.ErrInvalidArgument)
	}
	if info.HigherIsBetter != nil {
		return *info.HigherIsBetter, "recorded", nil
	}
	if h, ok := knownHigher[baseName(name)]; ok {
		return h, "known", nil
	}
	return false, "", fmt.Errorf("metric %s: direction unknown (no plugin recorded it and it "+
		"is not a known metric): state it with --higher %s or --lower %s: %w",
		name, name, name, core.ErrInvalidArgument)
}
