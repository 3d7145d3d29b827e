package plugintest

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/plugins/protocol"
)

// Run checks c twice: called directly, and through the plugin protocol over
// a local gRPC connection (the same server and client code that a plugin
// process and the host use). Each failed check is a test error.
func Run(t *testing.T, c core.Component, opts Options) {
	t.Helper()
	t.Run("direct", func(t *testing.T) {
		direct := opts
		direct.InProcess = true
		Fail(t, Check(context.Background(), c, direct))
	})
	t.Run("grpc", func(t *testing.T) {
		Fail(t, Check(context.Background(), Connect(t, c), opts))
	})
}

// Fail turns each failed check into a test error.
func Fail(t *testing.T, r Report) {
	t.Helper()
	if len(r) == 0 {
		t.Fatal("no checks ran")
	}
	for _, res := range r.Failed() {
		t.Errorf("%s: %v", res.Name, res.Err)
	}
}

// Connect serves c on a unix socket in a temporary directory and returns
// the host-side component that talks to it. Both end with the test.
func Connect(t *testing.T, c core.Component) core.Component {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "plugin.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(protocol.ServerOptions()...)
	if err := protocol.Register(srv, c, protocol.ServerConfig{}); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	opts := append(protocol.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("unix://"+sock, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	d, err := protocol.Describe(context.Background(), conn, "in-process")
	if err != nil {
		t.Fatal(err)
	}
	return protocol.NewClient(conn, d, protocol.ClientOptions{})
}
