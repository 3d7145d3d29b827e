// Package protocol is ndalab's plugin protocol: the gRPC services in pb/,
// the go-plugin handshake and version sets, the chunked tensor codec, and
// adapters that turn core components into gRPC servers and gRPC connections
// back into core components.
//
// Version 1 is the only version. A later version is added as another entry
// in the version sets, so v1 plugins keep working with newer hosts.
package protocol

import (
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Version is the protocol version this package speaks.
const Version = 1

// MaxMessageBytes caps every gRPC message in both directions. Both sides
// set it explicitly; tensors larger than ChunkBytes travel in pieces, so the
// cap is never reached by data.
const MaxMessageBytes = 16 << 20

// ChunkBytes is the most tensor bytes (data plus labels) put in one Chunk.
// Large enough that per-message overhead vanishes next to the copy, small
// enough to stay well under MaxMessageBytes.
const ChunkBytes = 4 << 20

// windowBytes is the HTTP/2 flow-control window. gRPC's default (64 KiB,
// grown slowly by probing) makes a multi-megabyte batch wait on many
// window updates; a local socket has no reason to throttle.
const windowBytes = 64 << 20

// bufferBytes sizes the transport's read and write buffers.
const bufferBytes = 1 << 20

// Handshake is checked before anything else: a binary that is not an ndalab
// plugin exits with a clear message instead of serving by accident.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  Version,
	MagicCookieKey:   "NDALAB_PLUGIN",
	MagicCookieValue: "negative-data-augmentation",
}

// ServerOptions are the gRPC options a plugin server must use.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.InitialWindowSize(windowBytes),
		grpc.InitialConnWindowSize(windowBytes),
		grpc.ReadBufferSize(bufferBytes),
		grpc.WriteBufferSize(bufferBytes),
		grpc.ChainUnaryInterceptor(unaryErrorInterceptor),
		grpc.ChainStreamInterceptor(streamErrorInterceptor),
	}
}

// DialOptions are the gRPC options a host must use.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageBytes),
			grpc.MaxCallSendMsgSize(MaxMessageBytes),
		),
		grpc.WithInitialWindowSize(windowBytes),
		grpc.WithInitialConnWindowSize(windowBytes),
		grpc.WithReadBufferSize(bufferBytes),
		grpc.WithWriteBufferSize(bufferBytes),
	}
}
