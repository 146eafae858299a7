package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/polyshare/polyshare/fake"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", `Usage: polyshare serve [--addr 127.0.0.1:8080]

Runs the fake Polytomic API until SIGINT or SIGTERM. It prints
"listening on http://HOST:PORT" once it accepts connections.

Example:
  polyshare serve --addr 127.0.0.1:8080 &
  curl -X POST http://127.0.0.1:8080/api/connections/248df4b7-aa70-47b8-a036-33ac447e668d/share \
      -u "key:" -H "X-Polytomic-Version: 2024-02-08" -H "Content-Type: application/json" \
      -d '{"child_organization_id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"}'`, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	srv, err := fake.New()
	if err != nil {
		fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
		return exitTransport
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "polyshare serve: cannot listen on %s: %v\n", *addr, err)
		return exitUsage
	}
	return serve(ctx, ln, srv, stdout, stderr)
}

// serve runs handler on ln until ctx ends, then shuts down gracefully:
// in-flight requests get up to 10 seconds to finish.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, stdout, stderr io.Writer) int {
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
		return exitTransport
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "polyshare serve: shutdown: %v\n", err)
		return exitTransport
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
		return exitTransport
	}
	fmt.Fprintln(stderr, "polyshare serve: stopped")
	return exitOK
}
