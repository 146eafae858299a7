package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/wrapper"
)

// The fault matrix: for both operations, against servers that misbehave on
// purpose, every row checks the error (type, status, sentinels), how many
// requests the server saw, the bodies and Idempotency-Keys it saw, how many
// attempts were logged, and that the canary secret appears nowhere.
//
// Every row runs twice: over real loopback sockets (127.0.0.1), and inside a
// testing/synctest bubble over in-memory pipes, where time is fake, so the
// elapsed-time bounds are checked exactly and cost no real time.

const fmCanary = "canary-SECRET-wrapper-5b1e9d"

var (
	fmParent   = uuid.MustParse("248df4b7-aa70-47b8-a036-33ac447e668d")
	fmChild    = uuid.MustParse("0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c")
	fmNewID    = uuid.MustParse("11111111-2222-4333-8444-555555555555")
	fmShareReq = `{"child_organization_id":"` + fmChild.String() + `"}`
)

const (
	fmCreateOK = `{"data":{"id":"11111111-2222-4333-8444-555555555555"}}`
	fmListOK   = `{"data":[{"id":"11111111-2222-4333-8444-555555555555","name":"copy"}]}`
)

// behaviour answers the n-th request (n from 1) a server sees.
type behaviour func(n int, w http.ResponseWriter, r *http.Request)

func reply(code int, ctype, body string, header ...string) behaviour {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// succeed answers as the real API does, for either operation.
func succeed(n int, w http.ResponseWriter, r *http.Request) {
	body := fmListOK
	if r.Method == http.MethodPost {
		body = fmCreateOK
	}
	reply(200, "application/json", body)(n, w, r)
}

// then answers the first request with first and every later one with rest.
func then(first, rest behaviour) behaviour {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			first(n, w, r)
			return
		}
		rest(n, w, r)
	}
}

// resetMidBody promises 200 bytes, sends a few, then drops the connection
// (with a TCP reset where the connection is TCP).
func resetMidBody(_ int, w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"data\":{\"id\":")
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// hang never answers; it returns once the client has gone.
func hang(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// huge sends a 64 MiB 200 answer.
func huge(_ int, w http.ResponseWriter, _ *http.Request) {
	const size = 64 << 20
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(size))
	chunk := bytes.Repeat([]byte("x"), 1<<16)
	copy(chunk, `{"data":{"id":"`)
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return // the client stopped reading, as it should
		}
	}
}

var fmHTML502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>" +
	strings.Repeat("<p>upstream unavailable</p>", 40) + "</body></html>"

// expect is what one operation must observe in a row.
type expect struct {
	ok       bool
	status   int     // the *APIError's status; 0: no *APIError
	is       []error // errors.Is must hold for each
	isNot    []error // and must not hold for these
	requests int     // requests the server saw
	attempts int     // attempts logged; 0 means the same as requests
	noKey    bool    // the POST carried no Idempotency-Key
	// elapsed bounds, checked in the synctest bubble where time is fake.
	minElapsed, maxElapsed time.Duration
	check                  func(t *testing.T, err error)
}

type faultRow struct {
	name     string
	serve    behaviour // nil: nothing listens (connection refused)
	deadline time.Duration
	callOpts []wrapper.CallOption // for the POST
	onlyPOST bool
	get      expect
	post     *expect // nil: as get
}

// Backoff with the defaults (3 attempts, 500ms first wait, equal jitter):
// the first wait lies in [250ms, 500ms], the second in [500ms, 1s].
const (
	oneBackoffMin, oneBackoffMax = 250 * time.Millisecond, 500 * time.Millisecond
	twoBackoffMin, twoBackoffMax = 750 * time.Millisecond, 1500 * time.Millisecond
)

func faultRows() []faultRow {
	retriedTransport := expect{
		isNot: []error{wrapper.ErrInvalidResponse}, requests: 3,
		minElapsed: twoBackoffMin, maxElapsed: twoBackoffMax,
	}
	return []faultRow{
		{
			name: "connection refused",
			get: expect{is: []error{syscall.ECONNREFUSED}, isNot: []error{context.DeadlineExceeded},
				requests: 0, attempts: 3, minElapsed: twoBackoffMin, maxElapsed: twoBackoffMax},
		},
		{name: "connection reset mid-body", serve: resetMidBody, get: retriedTransport},
		{
			name: "never answers (client timeout)", serve: hang, deadline: 500 * time.Millisecond,
			get: expect{is: []error{context.DeadlineExceeded}, requests: 1,
				minElapsed: 500 * time.Millisecond, maxElapsed: 500 * time.Millisecond},
		},
		{
			name:  "429 Retry-After 1 then 200",
			serve: then(reply(429, "application/json", `{"status":429,"message":"slow down"}`, "Retry-After", "1"), succeed),
			get:   expect{ok: true, requests: 2, minElapsed: time.Second, maxElapsed: time.Second},
		},
		{
			name:     "503 Retry-After 30 beyond a 2s deadline",
			serve:    reply(503, "application/json", `{"status":503,"message":"down","key":"unavailable"}`, "Retry-After", "30"),
			deadline: 2 * time.Second,
			get: expect{status: 503, is: []error{context.DeadlineExceeded, wrapper.ErrServer}, requests: 1,
				minElapsed: 2 * time.Second, maxElapsed: 2 * time.Second},
		},
		{
			name:  "500 then 200",
			serve: then(reply(500, "application/json", `{"status":500,"message":"boom","key":"internal"}`), succeed),
			get:   expect{ok: true, requests: 2, minElapsed: oneBackoffMin, maxElapsed: oneBackoffMax},
		},
		{
			name:     "500 then 200, POST without key",
			serve:    then(reply(500, "application/json", `{"status":500,"message":"boom","key":"internal"}`), succeed),
			callOpts: []wrapper.CallOption{wrapper.WithoutIdempotencyKey()},
			onlyPOST: true,
			get: expect{status: 500, is: []error{wrapper.ErrServer}, requests: 1, noKey: true,
				check: func(t *testing.T, err error) {
					if k := apiErr(t, err).Key(); k != "internal" {
						t.Errorf("Key() = %q, want the decoded key %q", k, "internal")
					}
				}},
		},
		{
			name:  "502 with an HTML body",
			serve: reply(502, "text/html", fmHTML502),
			get: expect{status: 502, is: []error{wrapper.ErrServer}, requests: 3,
				minElapsed: twoBackoffMin, maxElapsed: twoBackoffMax,
				check: func(t *testing.T, err error) {
					e := apiErr(t, err)
					if len(e.Body) > 512 || !strings.Contains(e.Body, "502 Bad Gateway") || e.REST != nil {
						t.Errorf("Body excerpt = %d bytes %q, REST %v; want <= 512 bytes naming the 502", len(e.Body), e.Body, e.REST)
					}
					if e.Attempts != 3 {
						t.Errorf("Attempts = %d, want 3", e.Attempts)
					}
				}},
		},
		{name: "empty 200", serve: reply(200, "application/json", ""),
			get: expect{is: []error{wrapper.ErrInvalidResponse}, requests: 1}},
		{name: "truncated JSON 200", serve: reply(200, "application/json", `{"data":{"id":"1111`),
			get: expect{is: []error{wrapper.ErrInvalidResponse}, requests: 1}},
		{name: `{"data":{}} 200`, serve: reply(200, "application/json", `{"data":{}}`),
			get: expect{is: []error{wrapper.ErrInvalidResponse}, requests: 1}},
		{name: "64 MiB body", serve: huge,
			get: expect{is: []error{wrapper.ErrResponseTooLarge}, isNot: []error{wrapper.ErrInvalidResponse}, requests: 1}},
		{
			name: "wrong Content-Type",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				body := fmListOK
				if r.Method == http.MethodPost {
					body = fmCreateOK
				}
				reply(200, "text/plain; charset=utf-8", body)(n, w, r)
			},
			get: expect{is: []error{wrapper.ErrInvalidResponse}, requests: 1},
		},
		// Beyond the list.
		{
			name: "401 echoing the key",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				reply(401, "application/json",
					`{"code":401,"error":"bad credential `+r.Header.Get("Authorization")+`","status":"Unauthorized"}`,
					"X-Request-Id", "req-"+fmCanary)(n, w, r)
			},
			get: expect{status: 401, is: []error{wrapper.ErrUnauthorized}, isNot: []error{wrapper.ErrServer}, requests: 1,
				check: func(t *testing.T, err error) {
					e := apiErr(t, err)
					if e.Unauthorized == nil || !strings.Contains(e.Message(), "bad credential Bearer [redacted]") {
						t.Errorf("Message() = %q, want the decoded 401 with the key redacted", e.Message())
					}
					if e.RequestID != "req-[redacted]" {
						t.Errorf("RequestID = %q", e.RequestID)
					}
				}},
		},
		{
			name:  "409 in flight then 200",
			serve: then(reply(409, "application/json", `{"status":409,"message":"in flight","key":"conflict"}`), succeed),
			get:   expect{status: 409, is: []error{wrapper.ErrConflict}, requests: 1},
			post:  &expect{ok: true, requests: 2, minElapsed: oneBackoffMin, maxElapsed: oneBackoffMax},
		},
		{
			name:  "404 not retried",
			serve: reply(404, "application/json", `{"status":404,"message":"no such connection","key":"not_found"}`, "X-Request-Id", "req-42"),
			get: expect{status: 404, is: []error{wrapper.ErrNotFound}, requests: 1,
				check: func(t *testing.T, err error) {
					if e := apiErr(t, err); e.RequestID != "req-42" || e.Message() != "no such connection" {
						t.Errorf("RequestID %q, Message %q", e.RequestID, e.Message())
					}
				}},
		},
		{
			name: "503 Retry-After HTTP-date then 200",
			serve: then(func(n int, w http.ResponseWriter, r *http.Request) {
				at := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
				reply(503, "text/plain", "later", "Retry-After", at)(n, w, r)
			}, succeed),
			// The date has whole seconds: the wait is over 2s and at most 3s.
			get: expect{ok: true, requests: 2, minElapsed: 2 * time.Second, maxElapsed: 3 * time.Second},
		},
	}
}

func TestFaultMatrix(t *testing.T) {
	for _, mode := range []string{"loopback", "synctest"} {
		t.Run(mode, func(t *testing.T) {
			for _, row := range faultRows() {
				for _, op := range []string{http.MethodGet, http.MethodPost} {
					if row.onlyPOST && op == http.MethodGet {
						continue
					}
					t.Run(row.name+"/"+op, func(t *testing.T) {
						t.Parallel()
						if mode == "synctest" {
							synctest.Test(t, func(t *testing.T) { runFault(t, row, op, true) })
							return
						}
						runFault(t, row, op, false)
					})
				}
			}
		})
	}
}

func runFault(t *testing.T, row faultRow, op string, bubble bool) {
	want := row.get
	if op == http.MethodPost && row.post != nil {
		want = *row.post
	}
	rec := &recorder{}
	var h http.Handler
	if row.serve != nil {
		h = rec.handler(row.serve)
	}
	var base string
	var hc *http.Client
	if bubble {
		var stop func()
		base, hc, stop = pipeServer(h)
		defer stop()
	} else {
		base, hc = loopbackServer(t, h)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := wrapper.New(wrapper.WithBaseURL(base), wrapper.WithAPIKey(fmCanary),
		wrapper.WithHTTPClient(hc), wrapper.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	deadline := row.deadline
	if deadline == 0 {
		deadline = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()

	start := time.Now()
	if op == http.MethodPost {
		var id uuid.UUID
		id, err = c.CreateSharedConnection(ctx, fmParent, fmChild, row.callOpts...)
		if err == nil && id != fmNewID {
			t.Errorf("id = %s, want %s", id, fmNewID)
		}
	} else {
		var list []wrapper.Connection
		list, err = c.ListSharedConnections(ctx, fmParent)
		if err == nil && (len(list) != 1 || list[0].Id == nil || *list[0].Id != fmNewID) {
			t.Errorf("list = %+v, want the one copy", list)
		}
	}
	elapsed := time.Since(start)

	// The error.
	if want.ok != (err == nil) {
		t.Fatalf("err = %v, want ok=%v", err, want.ok)
	}
	var e *wrapper.APIError
	if got := errors.As(err, &e); got != (want.status != 0) {
		t.Errorf("errors.As(*APIError) = %v for %v, want %v", got, err, want.status != 0)
	} else if got && e.StatusCode != want.status {
		t.Errorf("status = %d, want %d", e.StatusCode, want.status)
	}
	for _, target := range want.is {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	for _, target := range want.isNot {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true", err, target)
		}
	}
	if want.check != nil {
		want.check(t, err)
	}

	// What the server saw.
	reqs := rec.all()
	if len(reqs) != want.requests {
		t.Errorf("server saw %d requests, want %d", len(reqs), want.requests)
	}
	for i, r := range reqs {
		if r.Auth != "Bearer "+fmCanary {
			t.Errorf("request %d: Authorization %q, want the canary credential", i+1, r.Auth)
		}
		switch {
		case op == http.MethodGet:
			if r.Method != http.MethodGet || r.HasKey || r.Body != "" {
				t.Errorf("request %d: %s with key %v and body %q; a GET carries neither", i+1, r.Method, r.HasKey, r.Body)
			}
		case want.noKey:
			if r.HasKey {
				t.Errorf("request %d: Idempotency-Key %q sent, want none", i+1, r.Key)
			}
		default:
			if wrapper.CheckIdempotencyKey(r.Key) != nil || r.Key != reqs[0].Key {
				t.Errorf("request %d: Idempotency-Key %q, want a valid key equal to the first, %q", i+1, r.Key, reqs[0].Key)
			}
		}
		if op == http.MethodPost && r.Body != fmShareReq {
			t.Errorf("request %d: body %q, want %q", i+1, r.Body, fmShareReq)
		}
	}

	// The log: one debug line per attempt.
	attempts := want.attempts
	if attempts == 0 {
		attempts = want.requests
	}
	if n := strings.Count(logs.String(), `"msg":"polyshare request"`); n != attempts {
		t.Errorf("logged %d attempts, want %d:\n%s", n, attempts, logs.String())
	}

	// Time, where it is fake and so exact.
	if bubble && (elapsed < want.minElapsed || elapsed > want.maxElapsed) {
		t.Errorf("elapsed %s, want between %s and %s", elapsed, want.minElapsed, want.maxElapsed)
	}

	// The canary, nowhere.
	for what, s := range map[string]string{
		"Error()": fmt.Sprint(err), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err),
		"log": logs.String(), "client %+v": fmt.Sprintf("%+v", c),
	} {
		if strings.Contains(s, fmCanary) {
			t.Errorf("the secret appears in %s: %s", what, s)
		}
	}
}

func apiErr(t *testing.T, err error) *wrapper.APIError {
	t.Helper()
	var e *wrapper.APIError
	if !errors.As(err, &e) {
		t.Fatalf("%v is not an *APIError", err)
	}
	return e
}

// recorder keeps what a server saw.
type recorder struct {
	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	Method, Path, Key, Body, Auth string
	HasKey                        bool
}

func (rec *recorder) handler(b behaviour) http.Handler {
	var n atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, hasKey := r.Header["Idempotency-Key"]
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seenRequest{
			Method: r.Method, Path: r.URL.Path, Key: r.Header.Get("Idempotency-Key"), Body: string(body),
			Auth: r.Header.Get("Authorization"), HasKey: hasKey,
		})
		rec.mu.Unlock()
		b(int(n.Add(1)), w, r)
	})
}

func (rec *recorder) all() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// loopbackServer serves h on 127.0.0.1; with h nil it returns the address
// of a port nobody listens on.
func loopbackServer(t *testing.T, h http.Handler) (string, *http.Client) {
	t.Helper()
	if h == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		return "http://" + addr, &http.Client{Transport: &http.Transport{}}
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

// pipeServer serves h over in-memory pipes, for use inside a synctest
// bubble (which real sockets cannot enter). With h nil every dial is
// refused. stop must run before the bubble ends.
func pipeServer(h http.Handler) (string, *http.Client, func()) {
	ln := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	var srv *http.Server
	if h != nil {
		srv = &http.Server{Handler: h}
		go func() { _ = srv.Serve(ln) }()
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		if h == nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
		return ln.dial(ctx)
	}}
	stop := func() {
		tr.CloseIdleConnections()
		if srv != nil {
			_ = srv.Close()
		}
		_ = ln.Close()
	}
	// Loopback, so the client's cleartext rule is satisfied; never dialled.
	return "http://127.0.0.1:9", &http.Client{Transport: tr}, stop
}

type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9} }
