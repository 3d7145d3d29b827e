package core

import "fmt"

// Batch is a block of N samples laid out N×C×H×W in row-major float32, with
// an optional int32 label per sample. Feature arrays travel as N×D×1×1 and
// scalar scores as N×1×1×1, so one type serves images, features and scores.
//
// A Batch owns its slices; callers that keep a Batch must not mutate it
// while another goroutine reads it.
type Batch struct {
	// Shape is N, C, H, W.
	Shape [4]int
	// Data holds N*C*H*W values, sample-major.
	Data []float32
	// Labels holds N class indices, or is nil when the batch is unlabelled.
	Labels []int32
}

// NewBatch returns a zeroed, unlabelled batch of the given shape.
func NewBatch(n, c, h, w int) *Batch {
	return &Batch{Shape: [4]int{n, c, h, w}, Data: make([]float32, n*c*h*w)}
}

// N is the number of samples.
func (b *Batch) N() int { return b.Shape[0] }

// SampleSize is C*H*W, the number of values per sample.
func (b *Batch) SampleSize() int { return b.Shape[1] * b.Shape[2] * b.Shape[3] }

// Sample returns the values of sample i, aliasing b.Data.
func (b *Batch) Sample(i int) []float32 {
	s := b.SampleSize()
	return b.Data[i*s : (i+1)*s]
}

// Validate reports whether the shape, data and labels agree.
func (b *Batch) Validate() error {
	for i, d := range b.Shape {
		if d < 0 {
			return fmt.Errorf("%w: batch shape %v: dimension %d is negative", ErrInvalidArgument, b.Shape, i)
		}
	}
	if want := b.N() * b.SampleSize(); len(b.Data) != want {
		return fmt.Errorf("%w: batch shape %v needs %d values, has %d",
			ErrInvalidArgument, b.Shape, want, len(b.Data))
	}
	if b.Labels != nil && len(b.Labels) != b.N() {
		return fmt.Errorf("%w: batch of %d samples has %d labels", ErrInvalidArgument, b.N(), len(b.Labels))
	}
	return nil
}

// Clone returns a deep copy of b.
func (b *Batch) Clone() *Batch {
	c := &Batch{Shape: b.Shape, Data: append([]float32(nil), b.Data...)}
	if b.Labels != nil {
		c.Labels = append([]int32(nil), b.Labels...)
	}
	return c
}

// Concat stacks batches of one sample shape along N. Labels are kept only if
// every batch has them.
func Concat(batches ...*Batch) (*Batch, error) {
	if len(batches) == 0 {
		return nil, fmt.Errorf("%w: concat of no batches", ErrInvalidArgument)
	}
	out := &Batch{Shape: batches[0].Shape}
	out.Shape[0] = 0
	labelled := true
	for _, b := range batches {
		if [3]int(b.Shape[1:]) != [3]int(batches[0].Shape[1:]) {
			return nil, fmt.Errorf("%w: concat: sample shape %v differs from %v",
				ErrInvalidArgument, b.Shape[1:], batches[0].Shape[1:])
		}
		out.Shape[0] += b.N()
		labelled = labelled && b.Labels != nil
	}
	out.Data = make([]float32, 0, out.N()*out.SampleSize())
	for _, b := range batches {
		out.Data = append(out.Data, b.Data...)
	}
	if labelled {
		out.Labels = make([]int32, 0, out.N())
		for _, b := range batches {
			out.Labels = append(out.Labels, b.Labels...)
		}
	}
	return out, nil
}
