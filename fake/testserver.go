package fake

import (
	"net/http/httptest"
	"testing"
)

// TestServer is a fake server listening on a random loopback port.
type TestServer struct {
	*Server
	// URL is the base URL of the server, e.g. http://127.0.0.1:41234.
	URL string
}

// NewTestServer starts a fake server on a random loopback port, in the style
// of httptest.NewServer, and closes it when the test ends. It fails the test
// if the server cannot be built.
func NewTestServer(tb testing.TB, opts ...Option) *TestServer {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatalf("fake.NewTestServer: %v", err)
	}
	hs := httptest.NewServer(s)
	tb.Cleanup(hs.Close)
	return &TestServer{Server: s, URL: hs.URL}
}
