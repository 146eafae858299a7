//go:build tools

package bench

// Pins the ogen generator in go.mod so `go generate` runs the same version
// everywhere.
import (
	_ "github.com/ogen-go/ogen/cmd/ogen"
)
