package nn

import (
	"math"

	"github.com/ndalab/ndalab/core/backend"
)

// SpectralNorm replaces a weight W (viewed as rows×cols) by W/σ, σ its
// largest singular value estimated by power iteration, as in Miyato et al.
// 2018 and PyTorch's spectral_norm. The vectors u and v are checkpointed
// state. Update runs one power iteration and is called once per
// discriminator update (not once per forward as PyTorch does, which would
// make a D step with real, fake and NDA passes iterate three times); every
// other forward uses the current u and v. Gradients treat u and v as
// constants, as PyTorch does.
type SpectralNorm struct {
	W          *Param
	Rows, Cols int
	U, V       []float32 // state: left and right singular vector estimates
	Sigma      float32

	wsn  []float32 // W/σ
	grad []float32 // gradient with respect to W/σ
	wv   []float64
}

// snEps guards the normalisation of u and v, as PyTorch's 1e-12.
const snEps = 1e-12

// NewSpectralNorm registers name.u and name.v and normalises them.
func NewSpectralNorm(net *Net, name string, w *Param, rows, cols int) *SpectralNorm {
	sn := &SpectralNorm{
		W: w, Rows: rows, Cols: cols,
		U:   net.State(name+".u", backend.Normal(1), rows),
		V:   net.State(name+".v", backend.Normal(1), cols),
		wsn: make([]float32, rows*cols),
		wv:  make([]float64, rows),
	}
	normalize(sn.U)
	normalize(sn.V)
	sn.Refresh()
	return sn
}

// Update runs one power iteration, v ← Wᵀu/‖·‖, u ← Wv/‖·‖, and refreshes
// W/σ.
func (sn *SpectralNorm) Update() {
	w := sn.W.W
	clear(sn.V)
	for i := range sn.Rows {
		ui := sn.U[i]
		row := w[i*sn.Cols : (i+1)*sn.Cols]
		for j, x := range row {
			sn.V[j] += ui * x
		}
	}
	normalize(sn.V)
	for i := range sn.Rows {
		sn.U[i] = float32(dot32(w[i*sn.Cols:(i+1)*sn.Cols], sn.V))
	}
	normalize(sn.U)
	sn.Refresh()
}

// Refresh recomputes σ = uᵀWv and W/σ from the current W, u and v; call it
// after W changes (an optimiser step, a checkpoint load).
func (sn *SpectralNorm) Refresh() {
	w := sn.W.W
	var sigma float64
	for i := range sn.Rows {
		sn.wv[i] = dot32(w[i*sn.Cols:(i+1)*sn.Cols], sn.V)
		sigma += float64(sn.U[i]) * sn.wv[i]
	}
	sn.Sigma = float32(sigma)
	inv := float32(1 / sigma)
	for i, x := range w {
		sn.wsn[i] = x * inv
	}
}

// Normalized returns W/σ as of the last Refresh (owned by sn).
func (sn *SpectralNorm) Normalized() []float32 { return sn.wsn }

// GradBuffer returns a zeroed buffer for the gradient with respect to W/σ;
// Backward turns it into W's gradient.
func (sn *SpectralNorm) GradBuffer() []float32 {
	if sn.grad == nil {
		sn.grad = make([]float32, len(sn.wsn))
	}
	clear(sn.grad)
	return sn.grad
}

// Backward adds dL/dW = (G - ⟨G, W/σ⟩·u vᵀ)/σ to W's gradient, G being the
// gradient with respect to W/σ left in GradBuffer.
func (sn *SpectralNorm) Backward() {
	var inner float64
	for i, g := range sn.grad {
		inner += float64(g) * float64(sn.wsn[i])
	}
	inv := 1 / float64(sn.Sigma)
	for i := range sn.Rows {
		ui := inner * float64(sn.U[i])
		row := sn.grad[i*sn.Cols : (i+1)*sn.Cols]
		dst := sn.W.G[i*sn.Cols : (i+1)*sn.Cols]
		for j, g := range row {
			dst[j] += float32((float64(g) - ui*float64(sn.V[j])) * inv)
		}
	}
}

func dot32(a, b []float32) float64 {
	b = b[:len(a)]
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return s
}

func normalize(v []float32) {
	n := math.Sqrt(dot32(v, v))
	inv := float32(1 / max(n, snEps))
	for i := range v {
		v[i] *= inv
	}
}

// The layers with optional spectral norm (Conv, UpConv, Linear) share these
// three steps; sn is nil without it.

// refreshWeight is the weight a layer's forward multiplies by: W/σ,
// recomputed from the current W, under spectral norm, else W itself.
func refreshWeight(w *Param, sn *SpectralNorm) []float32 {
	if sn == nil {
		return w.W
	}
	sn.Refresh()
	return sn.Normalized()
}

// currentWeight is refreshWeight's value as of the last forward.
func currentWeight(w *Param, sn *SpectralNorm) []float32 {
	if sn == nil {
		return w.W
	}
	return sn.Normalized()
}

// weightGrad is where a kernel adds the gradient with respect to the
// current weight: W's gradient, or under spectral norm sn's buffer, which
// foldWeightGrad then turns into W's gradient.
func weightGrad(w *Param, sn *SpectralNorm) []float32 {
	if sn == nil {
		return w.G
	}
	return sn.GradBuffer()
}

func foldWeightGrad(sn *SpectralNorm) {
	if sn != nil {
		sn.Backward()
	}
}
