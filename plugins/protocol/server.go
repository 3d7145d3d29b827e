package protocol

import (
	"context"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// ServerConfig tunes Register.
type ServerConfig struct {
	// ShmDir, when set, is the shared-memory directory the host offered
	// (ShmEnv): large tensors then travel through files there.
	ShmDir string
}

// Register adds the Plugin service and the service of c's kind to s. Configs
// that arrive are resolved against c's descriptor before c sees them, so a
// component always receives complete, typed configs, and a bad key fails
// with an error naming the plugin and the key.
func Register(s grpc.ServiceRegistrar, c core.Component, cfg ServerConfig) error {
	d, err := c.Describe(context.Background())
	if err != nil {
		return fmt.Errorf("describe component: %w", err)
	}
	if err := d.Validate(); err != nil {
		return err
	}
	base := &serverBase{comp: c, desc: d, shm: cfg.ShmDir}
	pb.RegisterPluginServer(s, base)
	switch d.Kind {
	case core.KindDataset:
		ds, ok := c.(core.Dataset)
		if !ok {
			return fmt.Errorf(
				"%s: describes itself as a dataset but does not implement core.Dataset",
				d.ID(),
			)
		}
		pb.RegisterDatasetServer(s, &datasetServer{serverBase: base, impl: ds})
	case core.KindAugmentation:
		a, ok := c.(core.Augmentation)
		if !ok {
			return fmt.Errorf(
				"%s: describes itself as an augmentation but does not implement core.Augmentation",
				d.ID(),
			)
		}
		pb.RegisterAugmentationServer(s, &augmentationServer{serverBase: base, impl: a})
	case core.KindModel:
		m, ok := c.(core.Model)
		if !ok {
			return fmt.Errorf(
				"%s: describes itself as a model but does not implement core.Model",
				d.ID(),
			)
		}
		pb.RegisterModelServer(s, &modelServer{serverBase: base, impl: m})
	case core.KindMetric:
		m, ok := c.(core.Metric)
		if !ok {
			return fmt.Errorf(
				"%s: describes itself as a metric but does not implement core.Metric",
				d.ID(),
			)
		}
		pb.RegisterMetricServer(s, &metricServer{serverBase: base, impl: m})
	}
	return nil
}

type serverBase struct {
	pb.UnimplementedPluginServer
	comp core.Component
	desc *core.Descriptor
	shm  string
}

func (s *serverBase) Describe(ctx context.Context, _ *pb.Empty) (*pb.Descriptor, error) {
	d, err := DescriptorToPB(s.desc)
	if err != nil {
		return nil, err
	}
	d.SharedMemory = s.shm != ""
	return d, nil
}

// send sends the call's result, into the host's reply file when it named
// one and the result is large.
func (s *serverBase) send(
	ctx context.Context,
	name string,
	b *core.Batch,
	send func(*pb.Chunk) error,
) error {
	return sendReply(ctx, s.shm, name, b, send)
}

func (s *serverBase) assembler() Assembler { return Assembler{ShmDir: s.shm} }

// resolve decodes and checks a config against the descriptor.
func (s *serverBase) resolve(raw []byte) (core.Config, error) {
	cfg, err := core.UnmarshalConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.desc.ID(), err)
	}
	return s.desc.Resolve(cfg)
}

type datasetServer struct {
	pb.UnimplementedDatasetServer
	*serverBase
	impl core.Dataset
}

func (s *datasetServer) Info(ctx context.Context, req *pb.InfoRequest) (*pb.DatasetInfo, error) {
	cfg, err := s.resolve(req.ConfigJson)
	if err != nil {
		return nil, err
	}
	info, err := s.impl.Info(ctx, cfg, core.Split(req.Split))
	if err != nil {
		return nil, err
	}
	return &pb.DatasetInfo{
		Size:       int64(info.Size),
		Shape:      []int64{int64(info.Shape[0]), int64(info.Shape[1]), int64(info.Shape[2])},
		Classes:    int64(info.Classes),
		ClassNames: info.ClassNames,
		Checksum:   info.Checksum,
	}, nil
}

func (s *datasetServer) Batch(req *pb.BatchRequest, stream grpc.ServerStreamingServer[pb.Chunk]) error {
	cfg, err := s.resolve(req.ConfigJson)
	if err != nil {
		return err
	}
	b, err := s.impl.Batch(stream.Context(), core.BatchRequest{
		Config: cfg, Split: core.Split(req.Split), Seed: req.Seed,
		Epoch: int(req.Epoch), Index: int(req.Index), Size: int(req.Size),
	})
	if err != nil {
		return err
	}
	return s.send(stream.Context(), "batch", b, stream.Send)
}

type augmentationServer struct {
	pb.UnimplementedAugmentationServer
	*serverBase
	impl core.Augmentation
}

func (s *augmentationServer) Apply(stream grpc.BidiStreamingServer[pb.AugmentMessage, pb.Chunk]) error {
	asm := s.assembler()
	req, err := recvCall("apply", stream.Recv, (*pb.AugmentMessage).GetRequest, &asm)
	if err != nil {
		return err
	}
	in, err := asm.One()
	if err != nil {
		return err
	}
	cfg, err := s.resolve(req.ConfigJson)
	if err != nil {
		return err
	}
	out, err := s.impl.Apply(stream.Context(), core.AugmentRequest{
		Config: cfg, Role: req.Role, Seed: req.Seed, Step: req.Step,
	}, in)
	if err != nil {
		return err
	}
	return s.send(stream.Context(), "out", out, stream.Send)
}

type metricServer struct {
	pb.UnimplementedMetricServer
	*serverBase
	impl core.Metric
}

func (s *metricServer) Compute(
	stream grpc.ClientStreamingServer[pb.MetricMessage, pb.MetricResult],
) error {
	asm := s.assembler()
	req, err := recvCall("compute", stream.Recv, (*pb.MetricMessage).GetRequest, &asm)
	if err != nil {
		return err
	}
	inputs, err := asm.Done()
	if err != nil {
		return err
	}
	cfg, err := s.resolve(req.ConfigJson)
	if err != nil {
		return err
	}
	for _, name := range s.desc.Inputs {
		if _, ok := inputs[name]; !ok {
			return fmt.Errorf("%w: %s: input %q is missing", core.ErrInvalidArgument, s.desc.ID(), name)
		}
	}
	values, err := s.impl.Compute(stream.Context(), cfg, inputs)
	if err != nil {
		return err
	}
	return stream.SendAndClose(&pb.MetricResult{Values: values})
}

// modelServer serialises calls: a model is one stateful network, and the
// runner never needs two of its calls at once.
type modelServer struct {
	pb.UnimplementedModelServer
	*serverBase
	impl core.Model
	mu   sync.Mutex
}

func (s *modelServer) Init(ctx context.Context, req *pb.InitRequest) (*pb.Empty, error) {
	cfg, err := s.resolve(req.ConfigJson)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &pb.Empty{}, s.impl.Init(ctx, cfg, req.Seed)
}

func (s *modelServer) Step(stream grpc.ClientStreamingServer[pb.StepMessage, pb.StepResult]) error {
	asm := s.assembler()
	req, err := recvCall("step", stream.Recv, (*pb.StepMessage).GetRequest, &asm)
	if err != nil {
		return err
	}
	ts, err := asm.Done()
	if err != nil {
		return err
	}
	sr := core.StepRequest{
		Phase: core.Phase(req.Phase), Step: req.Step, Lambda: req.Lambda,
		Real: ts["real"], Negatives: ts["negatives"],
	}
	for i := 0; ; i++ {
		v, ok := ts[fmt.Sprintf("view%d", i)]
		if !ok {
			break
		}
		sr.Views = append(sr.Views, v)
	}
	s.mu.Lock()
	res, err := s.impl.Step(stream.Context(), sr)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return stream.SendAndClose(&pb.StepResult{Values: res})
}

func (s *modelServer) Generate(
	req *pb.GenerateRequest,
	stream grpc.ServerStreamingServer[pb.Chunk],
) error {
	g, ok := s.impl.(core.Generator)
	if !ok {
		return fmt.Errorf("%w: %s cannot generate", core.ErrUnimplemented, s.desc.ID())
	}
	s.mu.Lock()
	b, err := g.Generate(stream.Context(), core.GenerateRequest{
		N: int(req.N), Seed: req.Seed, Labels: req.Labels, EMA: req.Ema,
	})
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.send(stream.Context(), "samples", b, stream.Send)
}

func (s *modelServer) Embed(stream grpc.BidiStreamingServer[pb.Chunk, pb.Chunk]) error {
	e, ok := s.impl.(core.Embedder)
	if !ok {
		return fmt.Errorf("%w: %s cannot embed", core.ErrUnimplemented, s.desc.ID())
	}
	return s.mapBatch(stream, e.Embed)
}

func (s *modelServer) Score(stream grpc.BidiStreamingServer[pb.Chunk, pb.Chunk]) error {
	sc, ok := s.impl.(core.Scorer)
	if !ok {
		return fmt.Errorf("%w: %s cannot score", core.ErrUnimplemented, s.desc.ID())
	}
	return s.mapBatch(stream, sc.Score)
}

func (s *modelServer) Classify(stream grpc.BidiStreamingServer[pb.Chunk, pb.Chunk]) error {
	c, ok := s.impl.(core.Classifier)
	if !ok {
		return fmt.Errorf("%w: %s cannot classify", core.ErrUnimplemented, s.desc.ID())
	}
	return s.mapBatch(stream, c.Classify)
}

// mapBatch reads one tensor, applies f under the model lock, and streams the
// result back.
func (s *modelServer) mapBatch(stream grpc.BidiStreamingServer[pb.Chunk, pb.Chunk],
	f func(context.Context, *core.Batch) (*core.Batch, error)) error {
	asm := s.assembler()
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := asm.Add(c); err != nil {
			return err
		}
	}
	in, err := asm.One()
	if err != nil {
		return err
	}
	s.mu.Lock()
	out, err := f(stream.Context(), in)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.send(stream.Context(), "out", out, stream.Send)
}

func (s *modelServer) Save(_ *pb.Empty, stream grpc.ServerStreamingServer[pb.Blob]) error {
	s.mu.Lock()
	data, err := s.impl.Save(stream.Context())
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), ChunkBytes)
		if err := stream.Send(&pb.Blob{Data: data[:n]}); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func (s *modelServer) Load(stream grpc.ClientStreamingServer[pb.Blob, pb.Empty]) error {
	var data []byte
	for {
		b, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data = append(data, b.Data...)
	}
	s.mu.Lock()
	err := s.impl.Load(stream.Context(), data)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return stream.SendAndClose(&pb.Empty{})
}

// recvCall reads a call's stream to its end: one request message (taken by
// request from its envelope) and the chunks of its tensors, which go to asm.
func recvCall[M interface{ GetChunk() *pb.Chunk }, R comparable](op string, recv func() (M, error),
	request func(M) R, asm *Assembler) (R, error) {
	var req, none R
	for {
		msg, err := recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return none, err
		}
		if c := msg.GetChunk(); c != nil {
			if err := asm.Add(c); err != nil {
				return none, err
			}
		} else if r := request(msg); r != none {
			req = r
		}
	}
	if req == none {
		return none, fmt.Errorf("%w: %s: no request message", core.ErrInvalidArgument, op)
	}
	return req, nil
}
