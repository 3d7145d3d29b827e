package backend

import "gorgonia.org/tensor"

// Named is one tensor of a checkpoint, under a name unique in it.
type Named struct {
	Name string
	T    *tensor.Dense
}
