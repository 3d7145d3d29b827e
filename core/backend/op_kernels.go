package backend

import (
	"runtime"

	"github.com/ndalab/ndalab/core/backend/kernels"
)

// The float32 paths of the custom ops run on core/backend/kernels, the
// tuned NCHW kernels; the float64 paths keep the plain loops of the op
// files, which the gradient checks verify, and a test holds the two to
// agree.

// kernelWorkers is how many goroutines a kernel may split one call over.
func kernelWorkers() int { return runtime.GOMAXPROCS(0) }

// convKernel holds the kernels.Conv of one convolution node, shared by the
// node and its gradient nodes (which run one after another on the graph's
// machine), so its scratch buffers are reused across steps.
type convKernel struct{ cv *kernels.Conv }

// conv returns the kernels.Conv for p, making it on first use.
func (k *convKernel) conv(p convPlan) *kernels.Conv {
	s := kernels.ConvShape{C: p.c, H: p.h, W: p.w, K: p.o, KH: p.kh, KW: p.kw,
		Stride: p.Stride, Pad: p.Pad}
	if k == nil {
		return kernels.NewConv(s, kernelWorkers())
	}
	if k.cv == nil || k.cv.Shape != s {
		k.cv = kernels.NewConv(s, kernelWorkers())
	}
	return k.cv
}

func convForward32(k *convKernel, p convPlan, x, w, y []float32) {
	k.conv(p).Forward(p.n, x, w, nil, y)
}

func convBackwardData32(k *convKernel, p convPlan, w, dy, dx []float32) {
	k.conv(p).BackwardData(p.n, dy, w, dx)
}

// convBackwardFilter32 needs dw zeroed: the kernel adds into it.
func convBackwardFilter32(k *convKernel, p convPlan, x, dy, dw []float32) {
	k.conv(p).BackwardWeights(p.n, x, dy, dw, nil)
}

func linearForward32(x, w, y []float32, n, in, out int) {
	kernels.LinearForward(kernelWorkers(), n, in, out, x, w, nil, y)
}

func linearBackwardData32(w, dy, dx []float32, n, in, out int) {
	kernels.LinearBackwardData(kernelWorkers(), n, in, out, dy, w, dx)
}

// linearBackwardWeights32 needs dw zeroed: the kernel adds into it.
func linearBackwardWeights32(x, dy, dw []float32, n, in, out int) {
	kernels.LinearBackwardWeights(kernelWorkers(), n, in, out, x, dy, dw, nil)
}

// kernelAct maps an activation to the kernels' name for it.
func kernelAct(k actKind) kernels.Activation {
	switch k {
	case actReLU:
		return kernels.ReLU
	case actLeaky:
		return kernels.LeakyReLU
	}
	return kernels.Tanh
}
