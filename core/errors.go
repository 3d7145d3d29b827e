package core

import "errors"

// Error kinds. Components wrap one of these (fmt.Errorf("...: %w", ...)) so
// that the kind survives the plugin boundary: the protocol maps each to a
// gRPC status code and back, and errors.Is works on the host.
var (
	// ErrInvalidArgument: a config, parameter or input the caller can fix.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotFound: a named thing (file, plugin, split, run) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnimplemented: the component lacks the asked-for capability.
	ErrUnimplemented = errors.New("unimplemented")
	// ErrFailedPrecondition: the call came in the wrong state (a step before
	// init, a load of another architecture).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrUnavailable: the component's process is gone or unreachable.
	ErrUnavailable = errors.New("unavailable")
	// ErrCanceled: the caller gave up (context cancelled).
	ErrCanceled = errors.New("canceled")
	// ErrInternal: a bug or an unclassified failure inside a component.
	ErrInternal = errors.New("internal error")
)

// Kinds lists the error kinds in a fixed order, for code that maps them.
var Kinds = []error{
	ErrInvalidArgument, ErrNotFound, ErrUnimplemented, ErrFailedPrecondition,
	ErrUnavailable, ErrCanceled, ErrInternal,
}

// KindOf returns the first kind err wraps, or ErrInternal.
func KindOf(err error) error {
	for _, k := range Kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrInternal
}
