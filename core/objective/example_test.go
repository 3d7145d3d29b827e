package objective_test

import (
	"fmt"

	"github.com/ndalab/ndalab/core/objective"
)

// The NDA hinge loss on plain scores: with λ = 0.25 the negatives weigh
// three times as much as the generated images.
func ExampleHingeD() {
	real := []float64{2, 0.5}
	fake := []float64{-1, 0.5}
	neg := []float64{3, -3}
	fmt.Printf("baseline %.4f\n", objective.HingeD(real, fake, nil, 1))
	fmt.Printf("nda      %.4f\n", objective.HingeD(real, fake, neg, 0.25))
	// Output:
	// baseline 1.0000
	// nda      1.9375
}
