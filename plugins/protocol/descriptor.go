package protocol

import (
	"encoding/json"
	"fmt"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol/pb"
)

// DescriptorToPB encodes a descriptor for the wire.
func DescriptorToPB(d *core.Descriptor) (*pb.Descriptor, error) {
	out := &pb.Descriptor{
		Kind:           string(d.Kind),
		Name:           d.Name,
		Version:        d.Version,
		Doc:            d.Doc,
		Capabilities:   d.Capabilities,
		Roles:          d.Roles,
		Inputs:         d.Inputs,
		Outputs:        d.Outputs,
		HigherIsBetter: d.HigherIsBetter,
	}
	for _, p := range d.Params {
		q := &pb.Param{
			Name: p.Name,
			Type: string(p.Type),
			Doc:  p.Doc,
			Enum: p.Enum,
			Min:  p.Min,
			Max:  p.Max,
		}
		if p.Default != nil {
			def, err := json.Marshal(p.Default)
			if err != nil {
				return nil, fmt.Errorf("encode default of parameter %q: %w", p.Name, err)
			}
			q.DefaultJson = def
		}
		out.Params = append(out.Params, q)
	}
	return out, nil
}

// DescriptorFromPB decodes a descriptor and checks it.
func DescriptorFromPB(p *pb.Descriptor) (*core.Descriptor, error) {
	d := &core.Descriptor{
		Kind:           core.Kind(p.Kind),
		Name:           p.Name,
		Version:        p.Version,
		Doc:            p.Doc,
		Capabilities:   p.Capabilities,
		Roles:          p.Roles,
		Inputs:         p.Inputs,
		Outputs:        p.Outputs,
		HigherIsBetter: p.HigherIsBetter,
	}
	for _, q := range p.Params {
		param := core.Param{Name: q.Name, Type: core.ParamType(q.Type), Doc: q.Doc, Enum: q.Enum,
			Min: q.Min, Max: q.Max}
		if len(q.DefaultJson) > 0 {
			def, err := core.UnmarshalConfig([]byte(`{"v":` + string(q.DefaultJson) + `}`))
			if err != nil {
				return nil, fmt.Errorf("decode default of parameter %q: %w", q.Name, err)
			}
			param.Default = def["v"]
		}
		d.Params = append(d.Params, param)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	// Defaults arrive as JSON values; store them in their declared types.
	for i, param := range d.Params {
		if param.Default != nil {
			v, _ := param.Convert(param.Default) // Validate converted it already
			d.Params[i].Default = v
		}
	}
	return d, nil
}
