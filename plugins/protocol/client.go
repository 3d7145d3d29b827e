package protocol

import (
	"context"
	"fmt"
	"io"

	"google.golang.org/grpc"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// ClientOptions tune the components NewClient returns.
type ClientOptions struct {
	// Diagnose, when set, may enrich every error a call returns, e.g. with
	// the plugin's exit status and last stderr lines after a crash.
	Diagnose func(error) error
	// Shm, when set, holds the shared-memory files of this plugin's calls;
	// its directory is the one offered to the plugin (ShmEnv).
	Shm *ShmPool
	// PeerShm says the plugin uses shared memory (DescribePeer).
	PeerShm bool
}

// Describe asks the plugin at conn for its descriptor. id names the plugin
// in errors until its descriptor is known.
func Describe(ctx context.Context, conn grpc.ClientConnInterface, id string) (*core.Descriptor, error) {
	d, _, err := DescribePeer(ctx, conn, id)
	return d, err
}

// DescribePeer is Describe that also reports whether the plugin reads
// tensors from shared memory.
func DescribePeer(
	ctx context.Context,
	conn grpc.ClientConnInterface,
	id string,
) (*core.Descriptor, bool, error) {
	p, err := pb.NewPluginClient(conn).Describe(ctx, &pb.Empty{})
	if err != nil {
		return nil, false, fmt.Errorf("describe: %w", FromStatus(id, err))
	}
	d, err := DescriptorFromPB(p)
	if err != nil {
		return nil, false, fmt.Errorf("plugin %s: bad descriptor: %w", id, err)
	}
	return d, p.SharedMemory, nil
}

// NewClient returns a core component of desc's kind that forwards every
// call to conn: a core.Dataset, core.Augmentation, core.Metric, or a
// core.Model that also implements core.Generator, core.Scorer,
// core.Embedder and core.Classifier (those fail with core.ErrUnimplemented
// when the descriptor lacks the capability).
func NewClient(
	conn grpc.ClientConnInterface,
	desc *core.Descriptor,
	opts ClientOptions,
) core.Component {
	base := clientBase{desc: desc, diagnose: opts.Diagnose, pool: opts.Shm, peerShm: opts.PeerShm}
	switch desc.Kind {
	case core.KindDataset:
		return &datasetClient{clientBase: base, rpc: pb.NewDatasetClient(conn)}
	case core.KindAugmentation:
		return &augmentationClient{clientBase: base, rpc: pb.NewAugmentationClient(conn)}
	case core.KindModel:
		return &modelClient{clientBase: base, rpc: pb.NewModelClient(conn)}
	default:
		return &metricClient{clientBase: base, rpc: pb.NewMetricClient(conn)}
	}
}

type clientBase struct {
	desc     *core.Descriptor
	diagnose func(error) error
	pool     *ShmPool // nil: every tensor in-band
	peerShm  bool
}

func (c *clientBase) Describe(context.Context) (*core.Descriptor, error) { return c.desc, nil }

// fail turns a call's error into a RemoteError naming the plugin and the
// operation.
func (c *clientBase) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("%s: %w", op, FromStatus(c.desc.ID(), err))
	if c.diagnose != nil {
		err = c.diagnose(err)
	}
	return err
}

func encodeConfig(cfg core.Config) ([]byte, error) {
	raw, err := cfg.MarshalCanonical()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrInvalidArgument, err)
	}
	return raw, nil
}

// recvTensor reads a stream of chunks to its end and returns its one tensor.
func (c *clientBase) recvTensor(recv func() (*pb.Chunk, error)) (*core.Batch, error) {
	var asm Assembler
	if c.pool != nil {
		asm.ShmDir = c.pool.Dir()
	}
	for {
		c, err := recv()
		if err == io.EOF {
			return asm.One()
		}
		if err != nil {
			return nil, err
		}
		if err := asm.Add(c); err != nil {
			return nil, err
		}
	}
}

type datasetClient struct {
	clientBase
	rpc pb.DatasetClient
}

func (c *datasetClient) Info(ctx context.Context,
	cfg core.Config, split core.Split) (core.DatasetInfo, error) {
	raw, err := encodeConfig(cfg)
	if err != nil {
		return core.DatasetInfo{}, err
	}
	p, err := c.rpc.Info(ctx, &pb.InfoRequest{ConfigJson: raw, Split: string(split)})
	if err != nil {
		return core.DatasetInfo{}, c.fail("info", err)
	}
	info := core.DatasetInfo{Size: int(p.Size), Classes: int(p.Classes), ClassNames: p.ClassNames,
		Checksum: p.Checksum}
	if len(p.Shape) != 3 {
		return info, c.fail(
			"info",
			fmt.Errorf("%w: sample shape %v is not C×H×W", core.ErrInternal, p.Shape),
		)
	}
	info.Shape = [3]int{int(p.Shape[0]), int(p.Shape[1]), int(p.Shape[2])}
	return info, nil
}

func (c *datasetClient) Batch(ctx context.Context,
	req core.BatchRequest) (_ *core.Batch, err error) {
	ctx, call, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	raw, err := encodeConfig(req.Config)
	if err != nil {
		return nil, err
	}
	stream, err := c.rpc.Batch(ctx, &pb.BatchRequest{
		ConfigJson: raw, Split: string(req.Split), Seed: req.Seed,
		Epoch: int64(req.Epoch), Index: int64(req.Index), Size: int64(req.Size),
	})
	if err != nil {
		return nil, c.fail("batch", err)
	}
	b, err := c.recvTensor(stream.Recv)
	return b, c.fail("batch", err)
}

type augmentationClient struct {
	clientBase
	rpc pb.AugmentationClient
}

func (c *augmentationClient) Apply(ctx context.Context,
	req core.AugmentRequest, in *core.Batch) (_ *core.Batch, err error) {
	ctx, call, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	raw, err := encodeConfig(req.Config)
	if err != nil {
		return nil, err
	}
	stream, err := c.rpc.Apply(ctx)
	if err != nil {
		return nil, c.fail("apply", err)
	}
	err = stream.Send(&pb.AugmentMessage{Msg: &pb.AugmentMessage_Request{Request: &pb.AugmentRequest{
		ConfigJson: raw, Role: req.Role, Seed: req.Seed, Step: req.Step,
	}}})
	if err == nil {
		err = call.send("in", in, func(ch *pb.Chunk) error {
			return stream.Send(&pb.AugmentMessage{Msg: &pb.AugmentMessage_Chunk{Chunk: ch}})
		})
	}
	if err == nil {
		err = stream.CloseSend()
	}
	if err != nil && err != io.EOF {
		return nil, c.fail("apply", err)
	}
	// io.EOF on send means the server ended the call early; Recv has the
	// real error.
	out, err := c.recvTensor(stream.Recv)
	return out, c.fail("apply", err)
}

type metricClient struct {
	clientBase
	rpc pb.MetricClient
}

func (c *metricClient) Compute(ctx context.Context,
	cfg core.Config, inputs map[string]*core.Batch) (_ map[string]float64, err error) {
	ctx, call, err := c.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	raw, err := encodeConfig(cfg)
	if err != nil {
		return nil, err
	}
	stream, err := c.rpc.Compute(ctx)
	if err != nil {
		return nil, c.fail("compute", err)
	}
	err = stream.Send(
		&pb.MetricMessage{Msg: &pb.MetricMessage_Request{Request: &pb.MetricRequest{ConfigJson: raw}}},
	)
	for _, name := range sortedKeys(inputs) {
		if err != nil {
			break
		}
		err = call.send(name, inputs[name], func(ch *pb.Chunk) error {
			return stream.Send(&pb.MetricMessage{Msg: &pb.MetricMessage_Chunk{Chunk: ch}})
		})
	}
	if err != nil && err != io.EOF {
		return nil, c.fail("compute", err)
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		return nil, c.fail("compute", err)
	}
	return res.Values, nil
}

type modelClient struct {
	clientBase
	rpc pb.ModelClient
}

func (c *modelClient) Init(ctx context.Context, cfg core.Config, seed int64) error {
	raw, err := encodeConfig(cfg)
	if err != nil {
		return err
	}
	_, err = c.rpc.Init(ctx, &pb.InitRequest{ConfigJson: raw, Seed: seed})
	return c.fail("init", err)
}

func (c *modelClient) Step(ctx context.Context,
	req core.StepRequest) (_ core.StepResult, err error) {
	ctx, call, err := c.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	stream, err := c.rpc.Step(ctx)
	if err != nil {
		return nil, c.fail("step", err)
	}
	send := func(ch *pb.Chunk) error {
		return stream.Send(&pb.StepMessage{Msg: &pb.StepMessage_Chunk{Chunk: ch}})
	}
	err = stream.Send(&pb.StepMessage{Msg: &pb.StepMessage_Request{Request: &pb.StepRequest{
		Phase: string(req.Phase), Step: req.Step, Lambda: req.Lambda,
	}}})
	named := []struct {
		name string
		b    *core.Batch
	}{{"real", req.Real}, {"negatives", req.Negatives}}
	for i, v := range req.Views {
		named = append(named, struct {
			name string
			b    *core.Batch
		}{fmt.Sprintf("view%d", i), v})
	}
	for _, t := range named {
		if err == nil && t.b != nil {
			err = call.send(t.name, t.b, send)
		}
	}
	if err != nil && err != io.EOF {
		return nil, c.fail("step", err)
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		return nil, c.fail("step", err)
	}
	return core.StepResult(res.Values), nil
}

func (c *modelClient) Generate(ctx context.Context,
	req core.GenerateRequest) (_ *core.Batch, err error) {
	ctx, call, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	stream, err := c.rpc.Generate(ctx, &pb.GenerateRequest{
		N: int64(req.N), Seed: req.Seed, Labels: req.Labels, Ema: req.EMA,
	})
	if err != nil {
		return nil, c.fail("generate", err)
	}
	b, err := c.recvTensor(stream.Recv)
	return b, c.fail("generate", err)
}

func (c *modelClient) Embed(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return c.mapBatch(ctx, "embed", c.rpc.Embed, in)
}

func (c *modelClient) Score(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return c.mapBatch(ctx, "score", c.rpc.Score, in)
}

func (c *modelClient) Classify(ctx context.Context, in *core.Batch) (*core.Batch, error) {
	return c.mapBatch(ctx, "classify", c.rpc.Classify, in)
}

// chunkStream opens one of the calls that map a tensor to a tensor.
type chunkStream func(context.Context, ...grpc.CallOption) (
	grpc.BidiStreamingClient[pb.Chunk, pb.Chunk], error)

// mapBatch sends in on a stream open starts and reads the one tensor that
// comes back.
func (c *modelClient) mapBatch(ctx context.Context, op string, open chunkStream,
	in *core.Batch) (_ *core.Batch, err error) {
	ctx, call, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { call.end(err) }()
	stream, err := open(ctx)
	if err != nil {
		return nil, c.fail(op, err)
	}
	err = call.send("in", in, stream.Send)
	if err == nil {
		err = stream.CloseSend()
	}
	if err != nil && err != io.EOF {
		return nil, c.fail(op, err)
	}
	out, err := c.recvTensor(stream.Recv)
	return out, c.fail(op, err)
}

func (c *modelClient) Save(ctx context.Context) ([]byte, error) {
	stream, err := c.rpc.Save(ctx, &pb.Empty{})
	if err != nil {
		return nil, c.fail("save", err)
	}
	var data []byte
	for {
		b, err := stream.Recv()
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, c.fail("save", err)
		}
		data = append(data, b.Data...)
	}
}

func (c *modelClient) Load(ctx context.Context, checkpoint []byte) error {
	stream, err := c.rpc.Load(ctx)
	if err != nil {
		return c.fail("load", err)
	}
	for len(checkpoint) > 0 && err == nil {
		n := min(len(checkpoint), ChunkBytes)
		err = stream.Send(&pb.Blob{Data: checkpoint[:n]})
		checkpoint = checkpoint[n:]
	}
	if err != nil && err != io.EOF {
		return c.fail("load", err)
	}
	_, err = stream.CloseAndRecv()
	return c.fail("load", err)
}
