package backend

import (
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
)

// Embedding is a K×D table looked up by index: N indices give N×D rows.
type Embedding struct {
	W *Param
}

// NewEmbedding registers name+".w", k×d, drawn by init (nil means
// DefaultInit).
func NewEmbedding(ps *Params, name string, k, d int, init Init) *Embedding {
	if init == nil {
		init = DefaultInit
	}
	return &Embedding{W: ps.Weight(name+".w", init, k, d)}
}

// Forward gathers the rows named by idx, an N input holding class indices
// (Input.SetLabels). An index outside the table fails the Run.
func (e *Embedding) Forward(g *Graph, idx *gorgonia.Node) (*gorgonia.Node, error) {
	if idx.Dims() != 1 {
		return nil, fmt.Errorf("embedding %s: indices %v, want a vector: %w",
			e.W.Name, idx.Shape(), core.ErrInvalidArgument)
	}
	return gorgonia.ApplyOp(embedOp{}, g.Param(e.W), idx)
}
