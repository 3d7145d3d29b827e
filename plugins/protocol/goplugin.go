package protocol

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ndalab/ndalab/core"
)

// grpcPlugin is the go-plugin glue. On the server it registers a
// component's services; on the client it hands back the raw connection,
// which NewClient wraps once the descriptor is known.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl core.Component // nil on the host side
	cfg  ServerConfig
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	return Register(s, p.impl, p.cfg)
}

func (p *grpcPlugin) GRPCClient(
	_ context.Context,
	_ *plugin.GRPCBroker,
	conn *grpc.ClientConn,
) (any, error) {
	return conn, nil
}

// ServerPluginSets is what a plugin process serves: c under its kind's
// name, for each protocol version it speaks.
func ServerPluginSets(kind core.Kind, c core.Component, cfg ServerConfig) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		Version: {string(kind): &grpcPlugin{impl: c, cfg: cfg}},
	}
}

// ClientPluginSets is what a host accepts: every kind, for each protocol
// version it speaks. Dispense(kind) returns a *grpc.ClientConn.
func ClientPluginSets() map[int]plugin.PluginSet {
	set := plugin.PluginSet{}
	for _, k := range core.AllKinds {
		set[string(k)] = &grpcPlugin{}
	}
	return map[int]plugin.PluginSet{Version: set}
}
