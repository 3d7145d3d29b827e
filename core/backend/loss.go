package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
)

// MatMulT is a·bᵀ for a N×D and b M×D: N×M (e.g. all-pairs similarities).
func MatMulT(a, b *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(linearOp{}, a, b)
}

// L2Normalize scales each row of x N×D to length scale (1 for unit rows;
// 1/τ folds a temperature into one side of a cosine similarity).
func L2Normalize(x *gorgonia.Node, scale float64) (*gorgonia.Node, error) {
	if !(scale > 0) {
		return nil, fmt.Errorf("l2 normalize: scale %g, want > 0: %w", scale, core.ErrInvalidArgument)
	}
	return gorgonia.ApplyOp(l2NormOp{scale: scale}, x)
}

// RowDot pairs each row i of a (N×D) with rows i·M … i·M+M-1 of b
// ((N·M)×D): N×M dot products.
func RowDot(a, b *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(rowDotOp{}, a, b)
}

// CrossEntropy is the mean softmax cross-entropy of logits N×K against
// targets, an N input of class indices (Input.SetLabels): a scalar. A
// target outside [0, K) fails the Run.
func CrossEntropy(logits, targets *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(xentOp{}, logits, targets)
}
