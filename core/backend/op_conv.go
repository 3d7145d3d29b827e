package backend

import (
	"fmt"
	"hash"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom is a 2-D convolution's geometry: square stride and zero padding
// on all four sides; the kernel size comes from the weight's shape.
type convGeom struct {
	Stride, Pad int
}

// outSize is the output extent of an input extent in for kernel extent k.
func (g convGeom) outSize(in, k int) int { return (in+2*g.Pad-k)/g.Stride + 1 }

// convOp computes the cross-correlation y = conv(x, W) of x N×C×H×W with
// W O×C×KH×KW (PyTorch's Conv2d without bias). float32 runs on
// core/backend/kernels; float64 (gradient checks) on the loops below: per
// image, im2col then one GEMM that writes the N×O×OH×OW output in place.
type convOp struct {
	opBase
	convGeom
	k *convKernel // float32 kernels, shared with the gradient nodes
}

func (convOp) Arity() int              { return 2 }
func (convOp) Type() hm.Type           { return fnType(4, 4, 4) }
func (o convOp) String() string        { return fmt.Sprintf("conv2d{s:%d,p:%d}", o.Stride, o.Pad) }
func (o convOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o convOp) Hashcode() uint32      { return hashCode(o) }

func (o convOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(in, 0)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(in, 1)
	if err != nil {
		return nil, err
	}
	if x.Dims() != 4 || w.Dims() != 4 || x[1] != w[1] {
		return nil, fmt.Errorf("%v: input %v and weight %v do not fit (want N×C×H×W, O×C×KH×KW)",
			o, x, w)
	}
	oh, ow := o.outSize(x[2], w[2]), o.outSize(x[3], w[3])
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("%v: input %v is smaller than kernel %v", o, x, w)
	}
	return tensor.Shape{x[0], w[0], oh, ow}, nil
}

func (o convOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	p := o.plan(in[0].Shape(), in[1].Shape())
	switch valueDtype(in[0]) {
	case tensor.Float32:
		y := newDense[float32](p.n, p.o, p.oh, p.ow)
		convForward32(o.k, p, values[float32](in[0]), values[float32](in[1]), values[float32](y))
		return y, nil
	case tensor.Float64:
		y := newDense[float64](p.n, p.o, p.oh, p.ow)
		convForward(p, values[float64](in[0]), values[float64](in[1]), values[float64](y))
		return y, nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func (convOp) DiffWRT(int) []bool { return []bool{true, true} }

func (o convOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(convGradOp{convGeom: o.convGeom, wrt: 0, shape: in[0].Shape(), k: o.k},
		in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(convGradOp{convGeom: o.convGeom, wrt: 1, shape: in[1].Shape(), k: o.k},
		in[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw}, nil
}

func (o convOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	g, err := out.Grad()
	if err != nil {
		return err
	}
	for i, other := range []*gorgonia.Node{in[1], in[0]} {
		op := convGradOp{convGeom: o.convGeom, wrt: i, shape: in[i].Shape()}
		d, err := op.Do(other.Value(), g)
		if err != nil {
			return err
		}
		if err := accumulate(in[i], d); err != nil {
			return err
		}
	}
	return nil
}

// convGradOp gives dL/dx (wrt 0, inputs W and dy; also the transposed
// convolution) or dL/dW (wrt 1, inputs x and dy); shape is the result's.
type convGradOp struct {
	opBase
	convGeom
	wrt   int
	shape tensor.Shape
	k     *convKernel
}

func (convGradOp) Arity() int              { return 2 }
func (convGradOp) Type() hm.Type           { return fnType(4, 4, 4) }
func (o convGradOp) WriteHash(h hash.Hash) { writeHash(h, o) }
func (o convGradOp) Hashcode() uint32      { return hashCode(o) }

func (o convGradOp) String() string {
	return fmt.Sprintf("conv2dGrad{s:%d,p:%d,wrt:%d,shape:%v}", o.Stride, o.Pad, o.wrt, o.shape)
}

func (o convGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.shape.Clone(), nil
}

func (o convGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	xs, ws := o.shape, in[0].Shape()
	if o.wrt == 1 {
		xs, ws = in[0].Shape(), o.shape
	}
	p := o.plan(xs, ws)
	switch valueDtype(in[0]) {
	case tensor.Float32:
		return convGrad32(o.k, p, o.wrt, in[0], in[1]), nil
	case tensor.Float64:
		return convGrad[float64](p, o.wrt, in[0], in[1]), nil
	}
	return nil, dtypeErr(o, valueDtype(in[0]))
}

func convGrad[T elem](p convPlan, wrt int, a, dy gorgonia.Value) *tensor.Dense {
	if wrt == 0 {
		dx := newDense[T](p.n, p.c, p.h, p.w)
		convBackwardData(p, values[T](a), values[T](dy), values[T](dx))
		return dx
	}
	dw := newDense[T](p.o, p.c, p.kh, p.kw)
	convBackwardFilter(p, values[T](a), values[T](dy), values[T](dw))
	return dw
}

func convGrad32(k *convKernel, p convPlan, wrt int, a, dy gorgonia.Value) *tensor.Dense {
	if wrt == 0 {
		dx := newDense[float32](p.n, p.c, p.h, p.w)
		convBackwardData32(k, p, values[float32](a), values[float32](dy), values[float32](dx))
		return dx
	}
	dw := newDense[float32](p.o, p.c, p.kh, p.kw)
	convBackwardFilter32(k, p, values[float32](a), values[float32](dy), values[float32](dw))
	return dw
}

// convPlan holds every extent of one convolution.
type convPlan struct {
	convGeom
	n, c, h, w, o, kh, kw, oh, ow int
}

func (g convGeom) plan(x, w tensor.Shape) convPlan {
	return convPlan{convGeom: g, n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], kh: w[2], kw: w[3],
		oh: g.outSize(x[2], w[2]), ow: g.outSize(x[3], w[3])}
}

// rows is C·KH·KW, the im2col matrix's row count; cols is OH·OW.
func (p convPlan) rows() int { return p.c * p.kh * p.kw }
func (p convPlan) cols() int { return p.oh * p.ow }

// forImages runs f over the images split among at most GOMAXPROCS workers,
// each with its own worker index. The split depends only on n and the worker
// count, so results repeat for the same thread count.
func forImages(n int, f func(worker, lo, hi int)) int {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := k*n/workers, (k+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k, lo, hi)
		}()
	}
	wg.Wait()
	return workers
}

func convForward[T elem](p convPlan, x, w, y []T) {
	forImages(p.n, func(_, lo, hi int) {
		cols := make([]T, p.rows()*p.cols())
		for i := lo; i < hi; i++ {
			im2col(p, x[i*p.c*p.h*p.w:], cols)
			out := y[i*p.o*p.cols() : (i+1)*p.o*p.cols()]
			gemm(false, false, p.o, p.cols(), p.rows(), 1, w, p.rows(), cols, p.cols(), 0, out, p.cols())
		}
	})
}

func convBackwardData[T elem](p convPlan, w, dy, dx []T) {
	forImages(p.n, func(_, lo, hi int) {
		cols := make([]T, p.rows()*p.cols())
		for i := lo; i < hi; i++ {
			g := dy[i*p.o*p.cols() : (i+1)*p.o*p.cols()]
			gemm(true, false, p.rows(), p.cols(), p.o, 1, w, p.rows(), g, p.cols(), 0, cols, p.cols())
			col2im(p, cols, dx[i*p.c*p.h*p.w:])
		}
	})
}

func convBackwardFilter[T elem](p convPlan, x, dy, dw []T) {
	parts := make([][]T, min(runtime.GOMAXPROCS(0), p.n))
	forImages(p.n, func(k, lo, hi int) {
		cols := make([]T, p.rows()*p.cols())
		acc := make([]T, len(dw))
		for i := lo; i < hi; i++ {
			im2col(p, x[i*p.c*p.h*p.w:], cols)
			g := dy[i*p.o*p.cols() : (i+1)*p.o*p.cols()]
			gemm(false, true, p.o, p.rows(), p.cols(), 1, g, p.cols(), cols, p.cols(), 1, acc, p.rows())
		}
		parts[k] = acc
	})

	// Sum the workers' partial gradients in worker order, for repeatability.
	for _, acc := range parts {
		addInto(dw, acc)
	}
}

// im2col writes the (C·KH·KW)×(OH·OW) patch matrix of one C×H×W image.
func im2col[T elem](p convPlan, img, cols []T) {
	r := 0
	for c := range p.c {
		plane := img[c*p.h*p.w : (c+1)*p.h*p.w]
		for ki := range p.kh {
			for kj := range p.kw {
				row := cols[r*p.cols() : (r+1)*p.cols()]
				r++
				for oi := range p.oh {
					ii := oi*p.Stride - p.Pad + ki
					dst := row[oi*p.ow : (oi+1)*p.ow]
					if ii < 0 || ii >= p.h {
						clear(dst)
						continue
					}
					for oj := range p.ow {
						jj := oj*p.Stride - p.Pad + kj
						if jj < 0 || jj >= p.w {
							dst[oj] = 0
							continue
						}
						dst[oj] = plane[ii*p.w+jj]
					}
				}
			}
		}
	}
}

// col2im adds a patch matrix back into one C×H×W image gradient.
func col2im[T elem](p convPlan, cols, img []T) {
	r := 0
	for c := range p.c {
		plane := img[c*p.h*p.w : (c+1)*p.h*p.w]
		for ki := range p.kh {
			for kj := range p.kw {
				row := cols[r*p.cols() : (r+1)*p.cols()]
				r++
				for oi := range p.oh {
					ii := oi*p.Stride - p.Pad + ki
					if ii < 0 || ii >= p.h {
						continue
					}
					for oj := range p.ow {
						jj := oj*p.Stride - p.Pad + kj
						if jj < 0 || jj >= p.w {
							continue
						}
						plane[ii*p.w+jj] += row[oi*p.ow+oj]
					}
				}
			}
		}
	}
}

// DiffWRT: only the input gradient (the transposed convolution) is itself
// differentiable; the filter gradient is never differentiated again.
func (o convGradOp) DiffWRT(int) []bool { return []bool{o.wrt == 0, o.wrt == 0} }

// SymDiff differentiates the transposed convolution y = convᵀ(W, x):
// dx = conv(dy, W) and dW = filter gradient of conv with input dy and
// output gradient x.
func (o convGradOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if o.wrt != 0 {
		return nil, fmt.Errorf("%v: second derivative of a filter gradient: %w",
			o, core.ErrUnimplemented)
	}
	// A kernel of its own: this convolution runs the other way round.
	k := &convKernel{}
	dx, err := gorgonia.ApplyOp(convOp{convGeom: o.convGeom, k: k}, grad, in[0])
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(convGradOp{convGeom: o.convGeom, wrt: 1, shape: in[0].Shape(), k: k},
		grad, in[1])
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dw, dx}, nil
}

func (o convGradOp) DoDiff(_ gorgonia.ExecutionContext, in gorgonia.Nodes,
	out *gorgonia.Node) error {
	if o.wrt != 0 {
		return fmt.Errorf("%v: second derivative of a filter gradient: %w", o, core.ErrUnimplemented)
	}
	g, err := out.Grad()
	if err != nil {
		return err
	}
	dx, err := convOp{convGeom: o.convGeom}.Do(g, in[0].Value())
	if err != nil {
		return err
	}
	dw, err := convGradOp{convGeom: o.convGeom, wrt: 1, shape: in[0].Shape()}.Do(g, in[1].Value())
	if err != nil {
		return err
	}
	if err := accumulate(in[0], dw); err != nil {
		return err
	}
	return accumulate(in[1], dx)
}
