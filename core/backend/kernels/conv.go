package kernels

import (
	"fmt"
	"sync"
)

// ConvShape describes a 2-D convolution of one C×H×W image by K filters of
// C×KH×KW, with the same stride and zero padding on both axes. Weights are
// laid out K×C×KH×KW, as in PyTorch.
type ConvShape struct {
	C, H, W int // input channels, height, width
	K       int // output channels
	KH, KW  int // kernel height, width
	Stride  int
	Pad     int
}

// OutH is the output height.
func (s ConvShape) OutH() int { return (s.H+2*s.Pad-s.KH)/s.Stride + 1 }

// OutW is the output width.
func (s ConvShape) OutW() int { return (s.W+2*s.Pad-s.KW)/s.Stride + 1 }

// InSize is C*H*W, the values of one input image.
func (s ConvShape) InSize() int { return s.C * s.H * s.W }

// OutSize is K*OutH*OutW, the values of one output image.
func (s ConvShape) OutSize() int { return s.K * s.OutH() * s.OutW() }

// WeightSize is K*C*KH*KW.
func (s ConvShape) WeightSize() int { return s.K * s.C * s.KH * s.KW }

// Validate reports a shape that cannot be convolved.
func (s ConvShape) Validate() error {
	switch {
	case s.C < 1 || s.H < 1 || s.W < 1 || s.K < 1 || s.KH < 1 || s.KW < 1:
		return fmt.Errorf("conv shape %+v: every size must be positive", s)
	case s.Stride < 1 || s.Pad < 0:
		return fmt.Errorf("conv shape %+v: stride must be ≥ 1 and padding ≥ 0", s)
	case s.OutH() < 1 || s.OutW() < 1:
		return fmt.Errorf("conv shape %+v: kernel larger than padded input", s)
	}
	return nil
}

// Conv runs one convolution shape over batches of images, in parallel over
// images on up to Workers goroutines. It keeps per-worker scratch buffers
// between calls, so a Conv must not be used by two goroutines at once; make
// one per layer.
type Conv struct {
	Shape   ConvShape
	Workers int
	// Act is applied after the bias in Forward, image by image while the
	// output is still in cache; Slope is LeakyReLU's negative slope.
	Act   Activation
	Slope float32
	// KeepCols keeps Forward's im2col matrices (n·C·KH·KW·OH·OW values) so
	// that BackwardWeights on the same input skips rebuilding them: a D step
	// runs both on one batch. It trades memory for a third of the pass. The
	// input is recognised by its address, so it must not change in between.
	KeepCols bool

	scratch []convScratch
	kept    []float32 // im2col of the last Forward when KeepCols
	keptX   *float32  // its input, identified by its first element
	keptN   int
	wr      []float32 // tap-major weights for the shift method
}

type convScratch struct {
	cols  []float32 // im2col matrix of a group of images, CKK × g·P
	dcols []float32 // its gradient in the backward pass
	pad   []float32 // one zero-bordered image, C×(H+2·Pad)×(W+2·Pad)
	dpad  []float32 // its gradient
	out   []float32 // a group's K × g·P product or gathered gradient
	dw    []float32 // this worker's weight gradient, K × CKK
	db    []float32 // this worker's bias gradient, K
}

// NewConv returns a Conv for s with the given worker count (≥ 1). It panics
// on an invalid shape; validate shapes from configs with ConvShape.Validate.
func NewConv(s ConvShape, workers int) *Conv {
	if err := s.Validate(); err != nil {
		panic("kernels: " + err.Error())
	}
	return &Conv{Shape: s, Workers: max(1, workers)}
}

// groupSize is how many images share one GEMM. Small output planes (a 7×7
// map has 49 positions) make thin products that BLAS runs far below peak;
// stacking images side by side widens them to a few hundred columns.
func (cv *Conv) groupSize(n int) int {
	const targetCols = 384
	p := cv.Shape.OutH() * cv.Shape.OutW()
	return max(1, min(n, (targetCols+p-1)/p))
}

// parallel runs fn over contiguous image ranges, one per worker.
func (cv *Conv) parallel(n int, fn func(w, lo, hi int)) {
	workers := min(cv.Workers, n)
	cv.ensureScratch(workers)
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := split(n, workers, w)
		wg.Go(func() { fn(w, lo, hi) })
	}
	wg.Wait()
}

func (cv *Conv) ensureScratch(workers int) {
	for len(cv.scratch) < workers {
		cv.scratch = append(cv.scratch, convScratch{})
	}
}

// Forward computes y = act(conv(x, w) + bias) for n images: x is n×C×H×W, w is
// K×C×KH×KW, bias is K values or nil, y is n×K×OH×OW and is overwritten.
func (cv *Conv) Forward(n int, x, w, bias, y []float32) {
	s := cv.Shape
	cv.check(n, x, y)
	mustLen("weights", w, s.WeightSize())
	if bias != nil {
		mustLen("bias", bias, s.K)
	}
	if s.useShift() {
		cv.shiftForward(n, x, w, bias, y)
		return
	}
	ckk, p := s.C*s.KH*s.KW, s.OutH()*s.OutW()
	g := cv.groupSize(n)
	cv.keptX, cv.keptN = nil, 0
	if cv.KeepCols {
		grow(&cv.kept, n*ckk*p)
	}

	cv.parallel(n, func(wk, lo, hi int) {
		sc := &cv.scratch[wk]
		for i := lo; i < hi; i += g {
			nb := min(g, hi-i)
			cols := grow(&sc.cols, ckk*nb*p)
			if cv.KeepCols {
				cols = cv.kept[i*ckk*p : (i+nb)*ckk*p]
			}
			pad := sc.padBuf(s)
			for b := range nb {
				padInto(s, x[(i+b)*s.InSize():], pad)
				im2col(s, pad, cols, nb*p, b*p)
			}
			if nb == 1 {
				yi := y[i*s.OutSize() : (i+1)*s.OutSize()]
				Sgemm(false, false, s.K, p, ckk, 1, w, ckk, cols, p, 0, yi, p)
				cv.biasAct(yi, bias)
				continue
			}

			// Scatter the K × nb·P product back to nb images of K×P.
			out := grow(&sc.out, s.K*nb*p)
			Sgemm(false, false, s.K, nb*p, ckk, 1, w, ckk, cols, nb*p, 0, out, nb*p)
			for b := range nb {
				yi := y[(i+b)*s.OutSize() : (i+b+1)*s.OutSize()]
				for k := range s.K {
					copy(yi[k*p:(k+1)*p], out[k*nb*p+b*p:])
				}
				cv.biasAct(yi, bias)
			}
		}
	})
	if cv.KeepCols {
		cv.keptX, cv.keptN = &x[0], n
	}
}

// padBuf returns the worker's padded-image buffer, zeroed when first made;
// padInto only ever writes its interior.
func (sc *convScratch) padBuf(s ConvShape) []float32 {
	hp, wp := s.padded()
	if len(sc.pad) != s.C*hp*wp {
		sc.pad = make([]float32, s.C*hp*wp)
	}
	return sc.pad
}

// BackwardData computes dx, the gradient with respect to the input, from dy
// (n×K×OH×OW) and w. dx (n×C×H×W) is overwritten.
func (cv *Conv) BackwardData(n int, dy, w, dx []float32) {
	cv.Backward(n, nil, dy, w, dx, nil, nil)
}

// BackwardWeights adds the gradients with respect to the weights and the
// bias to dw (K×C×KH×KW) and db (K values, or nil to skip), from the input x
// and the output gradient dy of n images.
func (cv *Conv) BackwardWeights(n int, x, dy, dw, db []float32) {
	cv.Backward(n, x, dy, nil, nil, dw, db)
}

// Backward runs both backward passes in one sweep over the images, so each
// group's output gradient is gathered once and used while in cache: with dx
// non-nil it overwrites dx (n×C×H×W) with the input gradient (w needed),
// with dw non-nil it adds the weight gradient to dw (x needed), and with db
// non-nil it adds the bias gradient to db.
func (cv *Conv) Backward(n int, x, dy, w, dx, dw, db []float32) {
	cv.backward(n, x, nil, dy, w, dx, dw, db)
}

// BackwardAct is Backward for dy taken at Forward's output y, after the
// activation: it first turns dy into the gradient before the activation,
// in place, image by image as each group comes up (one pass over memory
// fewer than ActivateBackward then Backward), and adds its channel sums to
// db unless db is nil.
func (cv *Conv) BackwardAct(n int, x, y, dy, w, dx, dw, db []float32) {
	mustLen("output", y, n*cv.Shape.OutSize())
	cv.backward(n, x, y, dy, w, dx, dw, db)
}

func (cv *Conv) backward(n int, x, y, dy, w, dx, dw, db []float32) {
	s := cv.Shape
	mustLen("output gradient", dy, n*s.OutSize())
	if dx != nil {
		mustLen("input gradient", dx, n*s.InSize())
		mustLen("weights", w, s.WeightSize())
	}
	if dw != nil {
		mustLen("input", x, n*s.InSize())
		mustLen("weight gradient", dw, s.WeightSize())
	}
	if db != nil {
		mustLen("bias gradient", db, s.K)
	}
	if y == nil || cv.Act == Identity {
		y = nil
		if db != nil {
			sumChannels(n, s.K, s.OutH()*s.OutW(), dy, db)
		}
	}
	if dx == nil && dw == nil {
		if y != nil {
			cv.ActivateBackward(n, y, dy, db)
		}
		return
	}
	workers := min(cv.Workers, n)
	cv.ensureScratch(workers)
	for wk := range workers {
		clear(grow(&cv.scratch[wk].db, s.K))
	}
	defer func() {
		if y != nil && db != nil {
			for wk := range workers {
				addTo(db, cv.scratch[wk].db[:s.K])
			}
		}
	}()
	if s.useShift() {
		cv.shiftBackward(n, x, y, dy, w, dx, dw)
		return
	}
	ckk, p := s.C*s.KH*s.KW, s.OutH()*s.OutW()
	g := cv.groupSize(n)

	// The kept matrices are laid out by Forward's groups, which depend only
	// on n and the worker count, both unchanged when the input is.
	reuse := dw != nil && cv.KeepCols && cv.keptN == n && cv.keptX == &x[0]

	cv.parallel(n, func(wk, lo, hi int) {
		sc := &cv.scratch[wk]

		// Worker 0 adds straight into dw; the others into their own buffer,
		// summed below, so no two goroutines write one slice.
		acc := dw
		if wk > 0 && dw != nil {
			acc = grow(&sc.dw, s.WeightSize())
			clear(acc)
		}
		for i := lo; i < hi; i += g {
			nb := min(g, hi-i)
			if y != nil {
				cv.activateBack(i, nb, y, dy, sc.db)
			}
			dyg, ld := cv.gather(sc, dy, i, nb)
			if dw != nil {
				var cols []float32
				if reuse {
					cols = cv.kept[i*ckk*p : (i+nb)*ckk*p]
				} else {
					cols = grow(&sc.cols, ckk*nb*p)
					pad := sc.padBuf(s)
					for b := range nb {
						padInto(s, x[(i+b)*s.InSize():], pad)
						im2col(s, pad, cols, nb*p, b*p)
					}
				}
				Sgemm(false, true, s.K, ckk, nb*p, 1, dyg, ld, cols, nb*p, 1, acc, ckk)
			}
			if dx != nil {
				dcols := grow(&sc.dcols, ckk*nb*p)
				Sgemm(true, false, ckk, nb*p, s.K, 1, w, ckk, dyg, ld, 0, dcols, nb*p)
				hp, wp := s.padded()
				dpad := grow(&sc.dpad, s.C*hp*wp)
				for b := range nb {
					clear(dpad)
					col2im(s, dcols, nb*p, b*p, dpad)
					unpad(s, dpad, dx[(i+b)*s.InSize():(i+b+1)*s.InSize()])
				}
			}
		}
	})
	if dw != nil {
		for wk := 1; wk < min(cv.Workers, n); wk++ {
			addTo(dw, cv.scratch[wk].dw[:s.WeightSize()])
		}
	}
}

// gather returns the output gradient of images [i, i+nb) as one K × nb·P
// matrix and its row stride, copying only when nb > 1.
func (cv *Conv) gather(sc *convScratch, dy []float32, i, nb int) ([]float32, int) {
	s := cv.Shape
	p := s.OutH() * s.OutW()
	if nb == 1 {
		return dy[i*s.OutSize() : (i+1)*s.OutSize()], p
	}
	out := grow(&sc.out, s.K*nb*p)
	for b := range nb {
		src := dy[(i+b)*s.OutSize():]
		for k := range s.K {
			copy(out[k*nb*p+b*p:k*nb*p+(b+1)*p], src[k*p:(k+1)*p])
		}
	}
	return out, nb * p
}

func (cv *Conv) check(n int, in, out []float32) {
	mustLen("input", in, n*cv.Shape.InSize())
	mustLen("output", out, n*cv.Shape.OutSize())
}

// activateBack turns the gradients of images [i, i+nb) into gradients
// before the activation and adds their channel sums to db.
func (cv *Conv) activateBack(i, nb int, y, dy, db []float32) {
	p := cv.Shape.OutH() * cv.Shape.OutW()
	for img := i; img < i+nb; img++ {
		for k := range cv.Shape.K {
			o := (img*cv.Shape.K + k) * p
			db[k] += activateGradRow(cv.Act, cv.Slope, y[o:o+p], dy[o:o+p])
		}
	}
}

// biasAct applies bias and activation to one output image (K×OH×OW).
func (cv *Conv) biasAct(y, bias []float32) {
	p := cv.Shape.OutH() * cv.Shape.OutW()
	for k := range cv.Shape.K {
		var b float32
		if bias != nil {
			b = bias[k]
		}
		activateRow(cv.Act, cv.Slope, b, y[k*p:(k+1)*p])
	}
}

// ActivateBackward turns dy, the gradient at Forward's output y, into the
// gradient before the activation, in place and in parallel over images, and
// adds its per-channel sums (the bias gradient) to db unless db is nil.
func (cv *Conv) ActivateBackward(n int, y, dy, db []float32) {
	s := cv.Shape
	p := s.OutH() * s.OutW()
	mustLen("output", y, n*s.OutSize())
	mustLen("output gradient", dy, n*s.OutSize())
	workers := min(cv.Workers, n)
	cv.ensureScratch(workers)
	for w := range workers {
		clear(grow(&cv.scratch[w].db, s.K))
	}
	parallelFor(workers, n, n*s.OutSize(), func(w, lo, hi int) {
		acc := cv.scratch[w].db
		for i := lo; i < hi; i++ {
			for k := range s.K {
				o := (i*s.K + k) * p
				acc[k] += activateGradRow(cv.Act, cv.Slope, y[o:o+p], dy[o:o+p])
			}
		}
	})
	if db == nil {
		return
	}
	mustLen("bias gradient", db, s.K)
	for w := range workers {
		addTo(db, cv.scratch[w].db[:s.K])
	}
}

// sumChannels adds to db[k] the sum of channel k of n images of K×P.
func sumChannels(n, k, p int, dy, db []float32) {
	for i := range n {
		for c := range k {
			var s float32
			for _, v := range dy[(i*k+c)*p : (i*k+c+1)*p] {
				s += v
			}
			db[c] += s
		}
	}
}

// grow returns (*buf)[:n], reallocating only when the capacity is short.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

func mustLen(what string, s []float32, n int) {
	if len(s) != n {
		panic(fmt.Sprintf("kernels: %s has %d values, want %d", what, len(s), n))
	}
}
