package protocol

// The generated code in pb/ is committed; `make generate` (or go generate)
// reproduces it byte for byte with Debian's protoc 3.21 and the plugin
// versions pinned in go.mod's tool directives. TestGeneratedCodeIsFresh
// checks that.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) -I proto --go_out=pb --go_opt=paths=source_relative --go-grpc_out=pb --go-grpc_opt=paths=source_relative proto/ndalab.proto"
