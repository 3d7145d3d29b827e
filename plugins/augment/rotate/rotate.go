// Package rotate is the rotation negative augmentation: each image is turned
// counter-clockwise by an angle drawn from a list. Multiples of 90° move
// pixels exactly; other angles interpolate bilinearly and leave black
// corners (-1).
package rotate

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/augment/request"
)

// black is the value of pixels rotated in from outside the image.
const black = -1

// Rotate is the rotate plugin. It has no state.
type Rotate struct{}

// New returns the rotate augmentation.
func New() *Rotate { return &Rotate{} }

// Describe implements core.Component.
func (*Rotate) Describe(context.Context) (*core.Descriptor, error) {
	return &core.Descriptor{
		Kind: core.KindAugmentation, Name: "rotate", Version: "0.1.0",
		Doc:   "per image, a counter-clockwise rotation by an angle drawn from a list",
		Roles: []string{core.RoleNegative},
		Params: []core.Param{
			{Name: "angles", Type: core.TypeStrings, Default: "90,180,270",
				Doc: "angles in degrees, not multiples of 360; 90 and 270 need square images"},
		},
	}, nil
}

// Apply implements core.Augmentation.
func (rt *Rotate) Apply(ctx context.Context, req core.AugmentRequest, in *core.Batch) (*core.Batch, error) {
	desc, _ := rt.Describe(ctx)
	cfg, err := request.Check(ctx, desc, req, in)
	if err != nil {
		return nil, err
	}
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	angles, err := parseAngles(cfg.Strings("angles"), h, w)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: parameter \"angles\": %v", core.ErrInvalidArgument,
			desc.ID(), err)
	}

	// Each distinct angle's source map is built once and serves every
	// image and channel that uses it.
	out := core.NewBatch(in.N(), c, h, w)
	out.Labels = append([]int32(nil), in.Labels...)
	maps := map[float64]*sampler{}
	r := request.Rand(desc, req, "angle")
	for i := range in.N() {
		a := angles[r.IntN(len(angles))]
		m, ok := maps[a]
		if !ok {
			m = newSampler(h, w, a)
			maps[a] = m
		}
		src, dst := in.Sample(i), out.Sample(i)
		for k := range c {
			plane := k * h * w
			m.apply(dst[plane:plane+h*w], src[plane:plane+h*w])
		}
	}
	return out, nil
}

func parseAngles(list []string, h, w int) ([]float64, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("no angles")
	}
	out := make([]float64, len(list))
	for i, s := range list {
		a, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(a) || math.IsInf(a, 0) {
			return nil, fmt.Errorf("%q is not an angle in degrees", s)
		}
		a = math.Mod(a, 360)
		if a < 0 {
			a += 360
		}
		if a == 0 {
			return nil, fmt.Errorf("%q leaves images unchanged", s)
		}
		if (a == 90 || a == 270) && h != w {
			return nil, fmt.Errorf("%s° needs square images, not %d×%d", s, h, w)
		}
		out[i] = a
	}
	return out, nil
}

// sampler maps an h×w plane to its rotation: output pixel j is
// bias[j] + Σ wt[j][q]·src[idx[j][q]], where taps that fall outside the
// image carry weight 0 and their black share sits in bias. Exact quarter
// turns are a plain gather, src[perm[j]].
type sampler struct {
	perm []int32
	idx  [][4]int32
	wt   [][4]float32
	bias []float32
}

func (m *sampler) apply(dst, src []float32) {
	if m.perm != nil {
		for j, s := range m.perm {
			dst[j] = src[s]
		}
		return
	}
	for j, ix := range m.idx {
		wt := &m.wt[j]
		dst[j] = m.bias[j] + wt[0]*src[ix[0]] + wt[1]*src[ix[1]] + wt[2]*src[ix[2]] + wt[3]*src[ix[3]]
	}
}

// newSampler builds the map for a counter-clockwise turn by a degrees.
func newSampler(h, w int, a float64) *sampler {
	m := &sampler{}
	at := func(y, x int) int32 { return int32(y*w + x) }
	switch a {
	case 90, 180, 270:
		m.perm = make([]int32, h*w)
		for y := range h {
			for x := range w {
				var s int32
				switch a {
				case 90:
					s = at(x, w-1-y)
				case 180:
					s = at(h-1-y, w-1-x)
				case 270:
					s = at(h-1-x, y)
				}
				m.perm[y*w+x] = s
			}
		}
		return m
	}

	// Any other angle: output pixel (x, y) samples the input bilinearly at
	// the point the rotation brings to it.
	m.idx, m.wt, m.bias = make([][4]int32, h*w), make([][4]float32, h*w), make([]float32, h*w)
	sin, cos := math.Sincos(a * math.Pi / 180)
	cy, cx := float64(h-1)/2, float64(w-1)/2
	inside := func(y, x int) bool { return y >= 0 && y < h && x >= 0 && x < w }
	for y := range h {
		for x := range w {
			dx, dy := float64(x)-cx, float64(y)-cy
			sx, sy := cx+dx*cos-dy*sin, cy+dx*sin+dy*cos
			x0, y0 := math.Floor(sx), math.Floor(sy)
			fx, fy := float32(sx-x0), float32(sy-y0)
			ix, iy := int(x0), int(y0)
			j := y*w + x
			taps := [4][2]int{{iy, ix}, {iy, ix + 1}, {iy + 1, ix}, {iy + 1, ix + 1}}
			wts := [4]float32{(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx}
			for q, tp := range taps {
				if inside(tp[0], tp[1]) {
					m.idx[j][q], m.wt[j][q] = at(tp[0], tp[1]), wts[q]
				} else {
					m.bias[j] += wts[q] * black
				}
			}
		}
	}
	return m
}
