package client

import "github.com/polyshare/polyshare/wrapper"

// wrapperExtraOptions are added to the wrapper's options in the benchmarks:
// retries on (the canned server never triggers one), as applications use it.
var wrapperExtraOptions []wrapper.Option
