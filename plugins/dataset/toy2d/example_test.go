package toy2d_test

import (
	"fmt"

	"github.com/ndalab/ndalab/plugins/dataset/toy2d"
)

// A metric scores generated points against the data set's geometry: how
// many fall in the forbidden region, and which mode each is closest to.
func ExampleGeometry_Forbidden() {
	g := toy2d.Geometry{Layout: toy2d.LayoutGrid, Modes: 25, Radius: 0.8, Std: 0.02}
	for _, p := range [][2]float64{{0, 0}, {0.2, 0}, {0.4, 0.41}} {
		mode, dist := g.NearestMode(p[0], p[1])
		fmt.Printf("(%.2f, %.2f): forbidden %t, nearest mode %d at %.2f\n",
			p[0], p[1], g.Forbidden(p[0], p[1]), mode, dist)
	}
	fmt.Println(len(g.Centres()), "centres, first", g.Centres()[0])
	// Output:
	// (0.00, 0.00): forbidden false, nearest mode 12 at 0.00
	// (0.20, 0.00): forbidden true, nearest mode 12 at 0.20
	// (0.40, 0.41): forbidden false, nearest mode 18 at 0.01
	// 25 centres, first [-0.8 -0.8]
}
