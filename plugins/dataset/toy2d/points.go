package toy2d

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/dataset/imageset"
)

// points is one drawn split; it implements imageset.ValueSource.
type points struct {
	xy     []float32 // x0, y0, x1, y1, ...
	labels []int32
	meta   imageset.Meta
}

// drawPoints draws n points of split from g, keyed by seed and split so
// that train and test never share points.
func drawPoints(g Geometry, split core.Split, n int, seed int64) *points {
	r := core.NewRand(seed, "dataset/toy2d", 0, "points/"+string(split))
	centres := g.Centres()
	p := &points{xy: make([]float32, 2*n), labels: make([]int32, n)}
	for i := range n {
		x, y, m := g.Sample(r, centres)
		p.xy[2*i], p.xy[2*i+1], p.labels[i] = float32(x), float32(y), int32(m)
	}
	names := make([]string, g.Modes)
	for i, c := range centres {
		names[i] = fmt.Sprintf("(%.3g, %.3g)", c[0], c[1])
	}
	// The data are a function of their parameters; hash those.
	sum := sha256.Sum256(fmt.Appendf(nil, "toy2d/%+v/%s/%d/%d", g, split, n, seed))
	p.meta = imageset.Meta{Classes: g.Modes, ClassNames: names,
		Checksum: "sha256:" + hex.EncodeToString(sum[:])}
	return p
}

func (p *points) Len() int            { return len(p.labels) }
func (p *points) Shape() [3]int       { return [3]int{2, 1, 1} }
func (p *points) Label(i int) int32   { return p.labels[i] }
func (p *points) Meta() imageset.Meta { return p.meta }

// Pixels is not used: points are served by Values.
func (p *points) Pixels(i int, dst []uint8) error {
	return fmt.Errorf("%w: toy2d points have no pixels", core.ErrUnimplemented)
}

func (p *points) Values(i int, dst []float32) { copy(dst, p.xy[2*i:2*i+2]) }
