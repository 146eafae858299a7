package client

import "github.com/polyshare/polyshare/wrapper"

// wrapperExtraOptions are added to the wrapper's options in the "Wrapper"
// benchmarks: retries on, as applications get them by default (the canned
// server never triggers one, so this measures the retry machinery's cost on
// the happy path, automatic Idempotency-Key included).
var wrapperExtraOptions = []wrapper.Option{wrapper.WithMaxAttempts(wrapper.DefaultMaxAttempts)}

// wrapperNoRetryOptions turn off what retries need (a second attempt and the
// automatic Idempotency-Key), for the "WrapperNoRetries" rows.
var wrapperNoRetryOptions = []wrapper.Option{wrapper.WithoutRetries(), wrapper.WithoutIdempotencyKeys()}
