package protocol

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ndalab/ndalab/core"
)

// codeOf maps a core error kind to its gRPC code.
var codeOf = map[error]codes.Code{
	core.ErrInvalidArgument:    codes.InvalidArgument,
	core.ErrNotFound:           codes.NotFound,
	core.ErrUnimplemented:      codes.Unimplemented,
	core.ErrFailedPrecondition: codes.FailedPrecondition,
	core.ErrUnavailable:        codes.Unavailable,
	core.ErrCanceled:           codes.Canceled,
	core.ErrInternal:           codes.Internal,
}

// kindOf maps a gRPC code back to a core error kind.
func kindOf(c codes.Code) error {
	for kind, code := range codeOf {
		if code == c {
			return kind
		}
	}
	switch c {
	case codes.DeadlineExceeded:
		return core.ErrCanceled
	case codes.ResourceExhausted, codes.Aborted:
		return core.ErrUnavailable
	}
	return core.ErrInternal
}

// toStatus turns a component's error into a gRPC status that keeps its kind.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok && !isCoreError(err) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(codeOf[core.KindOf(err)], err.Error())
}

func isCoreError(err error) bool {
	for _, k := range core.Kinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

func unaryErrorInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo,
	handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	return resp, toStatus(err)
}

func streamErrorInterceptor(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo,
	handler grpc.StreamHandler) error {
	return toStatus(handler(srv, ss))
}

// RemoteError is an error returned by a plugin. errors.Is(err, core.ErrX)
// holds for the kind the plugin gave it.
type RemoteError struct {
	Plugin  string // "kind/name" or the binary's path
	Kind    error  // one of core.Kinds
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("plugin %s: %s", e.Plugin, e.Message)
}

// Unwrap returns the error kind.
func (e *RemoteError) Unwrap() error { return e.Kind }

// FromStatus turns an error from a gRPC call to plugin into a RemoteError.
// Errors that carry no status (a broken stream) count as unavailable.
func FromStatus(plugin string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &RemoteError{Plugin: plugin, Kind: core.ErrCanceled, Message: err.Error()}
	}
	s, ok := status.FromError(err)
	if !ok {
		return &RemoteError{Plugin: plugin, Kind: core.ErrUnavailable, Message: err.Error()}
	}
	return &RemoteError{Plugin: plugin, Kind: kindOf(s.Code()), Message: s.Message()}
}
