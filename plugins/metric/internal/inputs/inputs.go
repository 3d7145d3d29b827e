// Package inputs reads and checks the batches a metric receives: it finds a
// declared input by name, checks its shape (features N×D×1×1, scores
// N×1×1×1, points N×2×1×1) and that every value is finite, and hands it back
// in float64, the precision every metric computes in. Errors name the metric
// and the input and wrap core.ErrInvalidArgument.
package inputs

import (
	"fmt"
	"math"

	"github.com/ndalab/ndalab/core"
	"gonum.org/v1/gonum/mat"
)

// Get returns inputs[name] after checking that it is present, consistent and
// holds at least minN samples. metric names the caller in errors ("fid").
func Get(metric string, in map[string]*core.Batch, name string, minN int) (*core.Batch, error) {
	b, ok := in[name]
	if !ok || b == nil {
		return nil, fmt.Errorf("%w: metric %s: input %q is missing",
			core.ErrInvalidArgument, metric, name)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("metric %s: input %q: %w", metric, name, err)
	}
	if b.N() < minN {
		return nil, fmt.Errorf("%w: metric %s: input %q has %d samples, needs at least %d",
			core.ErrInvalidArgument, metric, name, b.N(), minN)
	}
	for i, v := range b.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: metric %s: input %q: value %d (sample %d) is %v",
				core.ErrInvalidArgument, metric, name, i, i/max(b.SampleSize(), 1), v)
		}
	}
	return b, nil
}

// Features returns input name, shaped N×D×1×1, as an N×D matrix (a copy).
func Features(metric string, in map[string]*core.Batch, name string, minN int) (*mat.Dense, error) {
	b, err := Get(metric, in, name, minN)
	if err != nil {
		return nil, err
	}
	if b.Shape[2] != 1 || b.Shape[3] != 1 || b.Shape[1] < 1 {
		return nil, fmt.Errorf("%w: metric %s: input %q has shape %v, want features N×D×1×1",
			core.ErrInvalidArgument, metric, name, b.Shape)
	}
	if b.N() == 0 {
		return &mat.Dense{}, nil
	}
	data := make([]float64, len(b.Data))
	for i, v := range b.Data {
		data[i] = float64(v)
	}
	return mat.NewDense(b.N(), b.Shape[1], data), nil
}

// Scores returns input name, shaped N×1×1×1, as a slice of N values.
func Scores(metric string, in map[string]*core.Batch, name string, minN int) ([]float64, error) {
	b, err := Get(metric, in, name, minN)
	if err != nil {
		return nil, err
	}
	if b.SampleSize() != 1 {
		return nil, fmt.Errorf("%w: metric %s: input %q has shape %v, want scores N×1×1×1",
			core.ErrInvalidArgument, metric, name, b.Shape)
	}
	out := make([]float64, len(b.Data))
	for i, v := range b.Data {
		out[i] = float64(v)
	}
	return out, nil
}

// Points returns input name, shaped N×2×1×1, as N (x, y) pairs.
func Points(metric string, in map[string]*core.Batch, name string, minN int) ([][2]float64, error) {
	b, err := Get(metric, in, name, minN)
	if err != nil {
		return nil, err
	}
	if b.Shape[1] != 2 || b.Shape[2] != 1 || b.Shape[3] != 1 {
		return nil, fmt.Errorf("%w: metric %s: input %q has shape %v, want points N×2×1×1",
			core.ErrInvalidArgument, metric, name, b.Shape)
	}
	out := make([][2]float64, b.N())
	for i := range out {
		out[i] = [2]float64{float64(b.Data[2*i]), float64(b.Data[2*i+1])}
	}
	return out, nil
}

// Labelled returns input name as features plus its labels, checking that
// every sample has a label in [0, maxClasses).
func Labelled(metric string, in map[string]*core.Batch, name string,
	minN, maxClasses int) (*mat.Dense, []int, error) {
	x, err := Features(metric, in, name, minN)
	if err != nil {
		return nil, nil, err
	}
	b := in[name]
	if b.Labels == nil {
		return nil, nil, fmt.Errorf("%w: metric %s: input %q has no labels",
			core.ErrInvalidArgument, metric, name)
	}
	labels := make([]int, len(b.Labels))
	for i, l := range b.Labels {
		if l < 0 || int(l) >= maxClasses {
			return nil, nil, fmt.Errorf("%w: metric %s: input %q: label %d of sample %d "+
				"is outside [0, %d)", core.ErrInvalidArgument, metric, name, l, i, maxClasses)
		}
		labels[i] = int(l)
	}
	return x, labels, nil
}

// SameDim checks that two feature matrices have the same width.
func SameDim(metric string, a, b *mat.Dense, nameA, nameB string) error {
	_, da := a.Dims()
	_, db := b.Dims()
	if da != db {
		return fmt.Errorf("%w: metric %s: input %q has %d features per sample, %q has %d",
			core.ErrInvalidArgument, metric, nameA, da, nameB, db)
	}
	return nil
}
