package protocol

import (
	"errors"
	"slices"
	"testing"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

func sequence(n, c, h, w int, labelled bool) *core.Batch {
	b := core.NewBatch(n, c, h, w)
	for i := range b.Data {
		b.Data[i] = float32(i)*0.5 - 3
	}
	if labelled {
		b.Labels = make([]int32, n)
		for i := range b.Labels {
			b.Labels[i] = int32(i*7 - 2)
		}
	}
	return b
}

// wireTrip sends batches through Chunks and an Assembler, copying each
// chunk as the wire would.
func wireTrip(t *testing.T, named map[string]*core.Batch) (map[string]*core.Batch, int) {
	t.Helper()
	var asm Assembler
	chunks := 0
	for _, name := range sortedKeys(named) {
		err := Chunks(name, named[name], func(c *pb.Chunk) error {
			chunks++
			if len(c.Data)+len(c.Labels) > ChunkBytes {
				t.Fatalf("chunk of %d bytes exceeds ChunkBytes", len(c.Data)+len(c.Labels))
			}
			wire := &pb.Chunk{Name: c.Name, Shape: c.Shape, Labelled: c.Labelled,
				Data: slices.Clone(c.Data), Labels: slices.Clone(c.Labels)}
			return asm.Add(wire)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := asm.Done()
	if err != nil {
		t.Fatal(err)
	}
	return got, chunks
}

func TestChunksRoundTrip(t *testing.T) {
	cases := []struct {
		name       string
		batch      *core.Batch
		wantChunks int
	}{
		{"empty", sequence(0, 3, 4, 4, false), 1},
		{"small labelled", sequence(5, 3, 8, 8, true), 1},
		{"features", sequence(100, 512, 1, 1, true), 1},
		// 3 × 4 MiB + a little: four chunks.
		{"larger than a chunk", sequence(3*1024+1, 1, 32, 32, true), 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, chunks := wireTrip(t, map[string]*core.Batch{"x": c.batch})
			if chunks != c.wantChunks {
				t.Errorf("%d chunks, want %d", chunks, c.wantChunks)
			}
			b := got["x"]
			if b.Shape != c.batch.Shape || !slices.Equal(b.Data, c.batch.Data) ||
				!slices.Equal(b.Labels, c.batch.Labels) {
				t.Fatal("batch changed on the way")
			}
			if (b.Labels == nil) != (c.batch.Labels == nil) {
				t.Errorf("labelled %v, want %v", b.Labels != nil, c.batch.Labels != nil)
			}
		})
	}
}

func TestChunksKeepSeveralNamedTensors(t *testing.T) {
	in := map[string]*core.Batch{
		"real":      sequence(4, 1, 28, 28, true),
		"negatives": sequence(4, 1, 28, 28, true),
		"view0":     sequence(2, 3, 32, 32, false),
	}
	got, _ := wireTrip(t, in)
	if len(got) != len(in) {
		t.Fatalf("got %d tensors, want %d", len(got), len(in))
	}
	for name, b := range in {
		if !slices.Equal(got[name].Data, b.Data) {
			t.Errorf("tensor %s changed", name)
		}
	}
}

func TestAssemblerRefusesMalformedStreams(t *testing.T) {
	cases := []struct {
		name   string
		chunks []*pb.Chunk
	}{
		{"data before header", []*pb.Chunk{{Data: make([]byte, 4)}}},
		{"bad rank", []*pb.Chunk{{Name: "x", Shape: []int64{2, 2}}}},
		{"negative dim", []*pb.Chunk{{Name: "x", Shape: []int64{-1, 1, 1, 1}}}},
		{"too many bytes", []*pb.Chunk{{Name: "x", Shape: []int64{1, 1, 1, 1}, Data: make([]byte, 8)}}},
		{"too few bytes", []*pb.Chunk{{Name: "x", Shape: []int64{2, 1, 1, 1}, Data: make([]byte, 4)}}},
		{
			"missing labels",
			[]*pb.Chunk{{Name: "x", Shape: []int64{1, 1, 1, 1}, Labelled: true, Data: make([]byte, 4)}},
		},
		{"duplicate name", []*pb.Chunk{
			{Name: "x", Shape: []int64{1, 1, 1, 1}, Data: make([]byte, 4)},
			{Name: "x", Shape: []int64{1, 1, 1, 1}, Data: make([]byte, 4)},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var asm Assembler
			var err error
			for _, ch := range c.chunks {
				if err = asm.Add(ch); err != nil {
					break
				}
			}
			if err == nil {
				_, err = asm.Done()
			}
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("want an invalid-argument error, got %v", err)
			}
		})
	}
}

func TestErrorKindsRoundTripThroughStatus(t *testing.T) {
	for _, kind := range core.Kinds {
		err := FromStatus("dataset/x", toStatus(errors.Join(kind, errors.New("detail"))))
		if !errors.Is(err, kind) {
			t.Errorf("%v came back as %v", kind, err)
		}
	}
}

func TestDescriptorRoundTrip(t *testing.T) {
	d := &core.Descriptor{
		Kind: core.KindModel, Name: "dcgan", Version: "1.2.3", Doc: "a model",
		Capabilities: []string{core.CapTrain, core.CapGenerate},
		Params: []core.Param{
			{Name: "width", Type: core.TypeInt, Default: int64(64), Min: core.Bound(1)},
			{Name: "lr", Type: core.TypeFloat, Default: 2e-4},
			{Name: "sn", Type: core.TypeBool, Default: true},
			{Name: "device", Type: core.TypeString, Default: "cpu", Enum: []string{"cpu", "cuda"}},
			{Name: "augs", Type: core.TypeStrings, Default: []string{"jigsaw", "stitch"}},
			{Name: "data", Type: core.TypeString, Doc: "required"},
		},
	}
	p, err := DescriptorToPB(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DescriptorFromPB(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range d.Params {
		got := back.Params[i]
		wantDef, _ := want.Convert(want.Default)
		if want.Default == nil {
			wantDef = nil
		}
		if !equalValue(got.Default, wantDef) || got.Type != want.Type ||
			!slices.Equal(got.Enum, want.Enum) {
			t.Errorf("param %s: got %+v, want %+v", want.Name, got, want)
		}
	}
	if back.ID() != d.ID() || !slices.Equal(back.Capabilities, d.Capabilities) {
		t.Errorf("descriptor changed: %+v", back)
	}
}

func equalValue(a, b any) bool {
	as, aok := a.([]string)
	bs, bok := b.([]string)
	if aok || bok {
		return aok && bok && slices.Equal(as, bs)
	}
	return a == b
}
