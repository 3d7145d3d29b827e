package backend

import (
	"errors"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mode says how a graph treats the layers that keep state.
type Mode struct {
	// Train makes batch norm normalise with the batch's statistics and,
	// unless FreezeStats, fold them into its running statistics after each
	// Run. Otherwise batch norm uses the running statistics.
	Train bool
	// FreezeStats keeps running statistics unchanged in Train mode (e.g.
	// for D inside the G step, if the model wants that).
	FreezeStats bool
	// PowerIteration advances every spectral norm's u and v by one power
	// iteration before each Run. Set it on the D-step graph only, so the
	// vectors move once per D update (BigGAN); other graphs use them as
	// they stand.
	PowerIteration bool
}

// GraphOptions configures NewGraph.
type GraphOptions struct {
	// Device is where the graph computes; "" is CPU.
	Device Device
	// Dtype of every tensor; the zero value means tensor.Float32.
	Dtype tensor.Dtype
	// Mode of the stateful layers.
	Mode Mode
}

// Graph is one gorgonia expression graph with its machine: build it once
// (layers' Forward methods add nodes), Compile it once, then Run it every
// step. Parameters enter a graph by binding their live tensors, so several
// graphs (G step, D step, evaluation) share weights without copying. A Graph
// is not safe for concurrent use.
type Graph struct {
	g      *gorgonia.ExprGraph
	opts   GraphOptions
	params map[*Param]*gorgonia.Node
	once   map[any]bool
	before []func() error
	after  []func() error

	vm    gorgonia.VM
	wrt   []*Param
	grads []*gorgonia.Node
	ran   bool
}

// NewGraph returns an empty graph.
func NewGraph(opts GraphOptions) (*Graph, error) {
	dev, err := ParseDevice(string(opts.Device))
	if err != nil {
		return nil, err
	}
	opts.Device = dev
	// Fail at construction, not at the first Compile.
	if err := CheckDevice(dev); err != nil {
		return nil, fmt.Errorf("new graph: %w", err)
	}
	if opts.Dtype == (tensor.Dtype{}) {
		opts.Dtype = tensor.Float32
	}
	if opts.Dtype != tensor.Float32 && opts.Dtype != tensor.Float64 {
		return nil, fmt.Errorf("new graph: dtype %v: want float32 or float64: %w",
			opts.Dtype, core.ErrInvalidArgument)
	}
	installBLAS()
	return &Graph{
		g: gorgonia.NewGraph(), opts: opts,
		params: map[*Param]*gorgonia.Node{}, once: map[any]bool{},
	}, nil
}

// Expr returns the gorgonia graph, for building nodes with gorgonia's own
// operations.
func (g *Graph) Expr() *gorgonia.ExprGraph { return g.g }

// Mode returns the graph's mode.
func (g *Graph) Mode() Mode { return g.opts.Mode }

// Dtype returns the dtype of the graph's tensors.
func (g *Graph) Dtype() tensor.Dtype { return g.opts.Dtype }

// Param returns the node bound to p's live tensor, creating it on first
// use; a parameter used twice in one graph is one node.
func (g *Graph) Param(p *Param) *gorgonia.Node {
	if n, ok := g.params[p]; ok {
		return n
	}
	if p.Value.Dtype() != g.opts.Dtype {
		panic(fmt.Sprintf("backend: parameter %q is %v in a %v graph",
			p.Name, p.Value.Dtype(), g.opts.Dtype))
	}
	n := gorgonia.NewTensor(g.g, g.opts.Dtype, p.Value.Dims(),
		gorgonia.WithShape(p.Value.Shape()...), gorgonia.WithValue(p.Value),
		gorgonia.WithName(fmt.Sprintf("%s#%p", p.Name, p)))
	g.params[p] = n
	return n
}

// Once reports whether key is new to this graph, and marks it seen; layers
// use it to register a hook once however often they are applied.
func (g *Graph) Once(key any) bool {
	if g.once[key] {
		return false
	}
	g.once[key] = true
	return true
}

// BeforeRun registers f to run before each Run's computation (spectral-norm
// power iterations).
func (g *Graph) BeforeRun(f func() error) { g.before = append(g.before, f) }

// AfterRun registers f to run after each Run's computation, when node
// values are readable (batch-norm running statistics).
func (g *Graph) AfterRun(f func() error) { g.after = append(g.after, f) }

// Compile fixes the graph. With a loss (a scalar node), it also builds the
// gradients of the loss with respect to wrt, readable after each Run with
// Grads. A forward-only graph passes a nil loss.
func (g *Graph) Compile(loss *gorgonia.Node, wrt ...*Param) error {
	if g.vm != nil {
		return fmt.Errorf("compile graph: already compiled: %w", core.ErrFailedPrecondition)
	}
	if loss != nil && len(wrt) > 0 {
		if !loss.IsScalar() {
			return fmt.Errorf("compile graph: loss has shape %v, want a scalar: %w",
				loss.Shape(), core.ErrInvalidArgument)
		}
		nodes := make(gorgonia.Nodes, len(wrt))
		for i, p := range wrt {
			n, ok := g.params[p]
			if !ok {
				return fmt.Errorf("compile graph: parameter %q is not in the graph: %w",
					p.Name, core.ErrInvalidArgument)
			}
			nodes[i] = n
		}
		grads, err := gorgonia.Grad(loss, nodes...)
		if err != nil {
			return fmt.Errorf("compile graph: differentiate loss: %v: %w", err, core.ErrInternal)
		}
		g.wrt, g.grads = wrt, grads
	}
	vm, err := newMachine(g.g, g.opts.Device)
	if err != nil {
		return fmt.Errorf("compile graph: %w", err)
	}
	g.vm = vm
	return nil
}

// Run computes the graph once: before-run hooks, the forward (and backward)
// pass, after-run hooks. Node values and gradients stay readable until the
// next Run.
func (g *Graph) Run() error {
	if g.vm == nil {
		return fmt.Errorf("run graph: not compiled: %w", core.ErrFailedPrecondition)
	}
	if g.ran {
		g.vm.Reset()
	}
	for _, f := range g.before {
		if err := f(); err != nil {
			return fmt.Errorf("run graph: %w", err)
		}
	}
	g.ran = true
	if err := g.vm.RunAll(); err != nil {
		kind := core.ErrInternal
		if errors.Is(err, core.ErrInvalidArgument) {
			kind = core.ErrInvalidArgument
		}
		return fmt.Errorf("run graph: %v: %w", err, kind)
	}
	for _, f := range g.after {
		if err := f(); err != nil {
			return fmt.Errorf("run graph: %w", err)
		}
	}
	return nil
}

// Grad is one parameter's gradient from the last Run; G belongs to the
// machine and is overwritten by the next Run.
type Grad struct {
	P *Param
	G *tensor.Dense
}

// Grads returns the gradients of the compiled loss, in Compile's order.
func (g *Graph) Grads() ([]Grad, error) {
	if !g.ran {
		return nil, fmt.Errorf("read gradients: graph has not run: %w", core.ErrFailedPrecondition)
	}
	out := make([]Grad, len(g.wrt))
	for i, p := range g.wrt {
		t, ok := g.grads[i].Value().(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("read gradient of %q: value is %T: %w",
				p.Name, g.grads[i].Value(), core.ErrInternal)
		}
		out[i] = Grad{P: p, G: t}
	}
	return out, nil
}

// Close releases the machine.
func (g *Graph) Close() error {
	if g.vm == nil {
		return nil
	}
	return g.vm.Close()
}

// Input is a graph input bound to a tensor the caller refills before each
// Run.
type Input struct {
	Node *gorgonia.Node
	T    *tensor.Dense
}

// Input adds an input of the given shape (e.g. N×C×H×W images, N labels).
func (g *Graph) Input(name string, shape ...int) *Input {
	t := tensor.New(tensor.Of(g.opts.Dtype), tensor.WithShape(shape...))
	n := gorgonia.NewTensor(g.g, g.opts.Dtype, len(shape), gorgonia.WithShape(shape...),
		gorgonia.WithValue(t), gorgonia.WithName(name))
	return &Input{Node: n, T: t}
}

// Set copies data into the input; its length must match the shape.
func (in *Input) Set(data []float32) error {
	if len(data) != in.T.Size() {
		return fmt.Errorf("set input %s: %d values for shape %v: %w",
			in.Node.Name(), len(data), in.T.Shape(), core.ErrInvalidArgument)
	}
	switch in.T.Dtype() {
	case tensor.Float32:
		copy(in.T.Float32s(), data)
	default:
		dst := in.T.Float64s()
		for i, v := range data {
			dst[i] = float64(v)
		}
	}
	return nil
}

// SetLabels stores class indices (for Embedding) as values.
func (in *Input) SetLabels(labels []int32) error {
	data := make([]float32, len(labels))
	for i, l := range labels {
		data[i] = float32(l)
	}
	return in.Set(data)
}

// Float32s copies a node's value from the last Run.
func Float32s(n *gorgonia.Node) ([]float32, error) {
	v := n.Value()
	if v == nil {
		return nil, fmt.Errorf("read node %s: no value (has the graph run?): %w",
			n.Name(), core.ErrFailedPrecondition)
	}
	switch valueDtype(v) {
	case tensor.Float32:
		return append([]float32(nil), values[float32](v)...), nil
	case tensor.Float64:
		src := values[float64](v)
		out := make([]float32, len(src))
		for i, x := range src {
			out[i] = float32(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("read node %s: value is %T: %w", n.Name(), v, core.ErrInternal)
}

// Scalar returns a scalar node's value from the last Run.
func Scalar(n *gorgonia.Node) (float64, error) {
	v := n.Value()
	if v == nil {
		return 0, fmt.Errorf("read node %s: no value (has the graph run?): %w",
			n.Name(), core.ErrFailedPrecondition)
	}
	switch valueDtype(v) {
	case tensor.Float32:
		return float64(values[float32](v)[0]), nil
	case tensor.Float64:
		return values[float64](v)[0], nil
	}
	return 0, fmt.Errorf("read node %s: value is %T: %w", n.Name(), v, core.ErrInternal)
}

// SetFrom copies another graph's node value (from its last Run) into the
// input: how G's output reaches the D graph as a value, with no gradient
// path back into G.
func (in *Input) SetFrom(n *gorgonia.Node) error {
	v := n.Value()
	if v == nil {
		return fmt.Errorf("set input %s from %s: no value (has its graph run?): %w",
			in.Node.Name(), n.Name(), core.ErrFailedPrecondition)
	}
	if !v.Shape().Eq(in.T.Shape()) || valueDtype(v) != in.T.Dtype() {
		return fmt.Errorf("set input %s from %s: %v %v into %v %v: %w", in.Node.Name(), n.Name(),
			valueDtype(v), v.Shape(), in.T.Dtype(), in.T.Shape(), core.ErrInvalidArgument)
	}
	switch in.T.Dtype() {
	case tensor.Float32:
		copy(in.T.Float32s(), values[float32](v))
	default:
		copy(in.T.Float64s(), values[float64](v))
	}
	return nil
}
