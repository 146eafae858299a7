package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/polyshare/polyshare/fake"
)

// serveGCPercent is the garbage collector's target while serving. The fake
// keeps a small live heap and allocates on every request, so at Go's default
// (100) the collector runs several hundred times a second under load and
// costs about a tenth of the throughput (see BENCHMARKS.md); a test server
// can spend a few more megabytes instead. GOGC in the environment wins.
const serveGCPercent = 400

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 10 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", `Usage: polyshare serve [--addr 127.0.0.1:8080] [--config FILE] [--latency 50ms] [--access-log] [--request-log-size N]

Runs the fake Polytomic API until SIGINT or SIGTERM, then stops accepting
connections and lets in-flight requests finish (up to 10s). It prints
"listening on http://HOST:PORT" once it accepts connections.

Without --config the fake is lenient: any Bearer token or Basic user, any
X-Polytomic-Version value (the header is still required), every parent
connection exists. A YAML or JSON --config declaring
organizations, connections and keys makes it strict (see README.md).

The control API lives under /__polyshare/: GET health, GET|DELETE requests
(the request log), GET|POST|DELETE faults (scripted failures), POST reset.
It needs no credentials, so an --addr beyond loopback draws a warning. Its
requests are never faulted or delayed and are kept out of the request log;
--access-log prints them too.

Example:
  polyshare serve --addr 127.0.0.1:8080 &      # strict: --config fake/testdata/example-config.yaml
  curl -X POST http://127.0.0.1:8080/api/connections/248df4b7-aa70-47b8-a036-33ac447e668d/share \
      -u "key:" -H "X-Polytomic-Version: 2024-02-08" -H "Content-Type: application/json" \
      -d '{"child_organization_id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"}'
  curl http://127.0.0.1:8080/__polyshare/health`, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (port 0 picks a free port)")
	config := fs.String("config", "", "YAML or JSON `FILE` declaring organizations, connections and keys (strict mode)")
	latency := fs.Duration("latency", 0, "delay every answer to an API route by this `DURATION`, e.g. 50ms (a scripted fault keeps its own delay)")
	accessLog := fs.Bool("access-log", false, "log one line per request to stderr (method, path, status, duration; never headers)")
	logSize := fs.Int("request-log-size", fake.DefaultRequestLogSize, "keep the last `N` requests in /__polyshare/requests (0: none, at most 1000000)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if *latency < 0 {
		fmt.Fprintln(stderr, "polyshare serve: --latency must not be negative")
		return exitUsage
	}
	if *logSize < 0 || *logSize > fake.MaxRequestLogSize {
		fmt.Fprintf(stderr, "polyshare serve: --request-log-size must be between 0 and %d\n", fake.MaxRequestLogSize)
		return exitUsage
	}
	opts := []fake.Option{fake.WithLatency(*latency), fake.WithRequestLogSize(*logSize)}
	if *accessLog {
		opts = append(opts, fake.WithAccessLog(stderr))
	}
	if *config != "" {
		cfg, err := fake.LoadConfig(*config)
		if err != nil {
			fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
			return exitUsage
		}
		opts = append(opts, fake.WithConfig(cfg))
		fmt.Fprintf(stderr, "polyshare serve: strict mode: %s, %s, %s\n",
			count(len(cfg.Organizations), "organization"), count(len(cfg.Connections), "connection"), count(len(cfg.Keys), "key"))
	}
	srv, err := fake.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
		return exitUsage
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "polyshare serve: cannot listen on %s: %v%s\n", safeText(*addr), err, listenHint(*addr, err))
		return exitUsage
	}
	return serve(ctx, ln, srv, stdout, stderr)
}

// listenHint says what to do when --addr cannot be listened on: a bare
// port wants a host; a port in use, another port or port 0.
func listenHint(addr string, err error) string {
	if _, perr := strconv.ParseUint(strings.TrimPrefix(addr, ":"), 10, 16); perr == nil && !strings.HasPrefix(addr, ":") {
		return " (did you mean --addr 127.0.0.1:" + addr + "?)"
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return " (another process holds that port: stop it, or pick another port; --addr 127.0.0.1:0 picks a free one)"
	}
	return ""
}

// count says "1 key", "2 keys", "0 keys".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// serve runs handler on ln until ctx ends, then shuts down gracefully:
// in-flight requests get up to shutdownGrace to finish. It warns when ln is
// reachable from other machines, since the control API needs no credentials.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, stdout, stderr io.Writer) int {
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	url, local := listenURL(ln.Addr())
	if !local {
		fmt.Fprintf(stderr, "polyshare serve: warning: listening on %s, reachable from other machines; "+
			"the control API (/__polyshare/) needs no credentials: use --addr 127.0.0.1:PORT to stay local\n", ln.Addr())
	}
	fmt.Fprintf(stdout, "listening on %s\n", url)
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "polyshare serve: %v\n", err)
		return exitTransport
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
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

// listenURL is a URL a client on this machine can use for a listener on a,
// and whether a is loopback only. A wildcard address ("", ":0", 0.0.0.0,
// [::]) is printed as 127.0.0.1, which it also serves: "http://[::]:PORT"
// is not an address to connect to.
func listenURL(a net.Addr) (url string, loopback bool) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String(), false
	}
	port := strconv.Itoa(tcp.Port)
	switch {
	case tcp.IP.IsLoopback():
		return "http://" + net.JoinHostPort(tcp.IP.String(), port), true
	case tcp.IP == nil || tcp.IP.IsUnspecified():
		return "http://" + net.JoinHostPort("127.0.0.1", port), false
	default:
		return "http://" + net.JoinHostPort(tcp.IP.String(), port), false
	}
}
