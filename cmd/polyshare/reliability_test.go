package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/polyshare/polyshare/wrapper"
)

const relSecret = "canary-SECRET-cli-0c4d2f"

// relServer answers the n-th request (from 1) with answer and records the
// Idempotency-Key and body of each.
type relServer struct {
	mu         sync.Mutex
	keys, body []string
	url        string
}

func newRelServer(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *relServer {
	s := &relServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
		s.body = append(s.body, string(b))
		n := len(s.keys)
		s.mu.Unlock()
		answer(n, w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *relServer) seen() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...), append([]string(nil), s.body...)
}

func relAnswer(code int, ctype, body string, header ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func relOK(n int, w http.ResponseWriter, r *http.Request) {
	body := `{"data":[]}`
	if r.Method == http.MethodPost {
		body = `{"data":{"id":"11111111-2222-4333-8444-555555555555"}}`
	}
	relAnswer(200, "application/json", body)(n, w, r)
}

func relThen(first func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			first(n, w, r)
			return
		}
		relOK(n, w, r)
	}
}

func TestReliabilityFlagsAndExitCodes(t *testing.T) {
	const parent, child = "248df4b7-aa70-47b8-a036-33ac447e668d", "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"
	unavailable := relAnswer(503, "application/json", `{"status":503,"message":"try later","key":"unavailable"}`)
	for _, c := range []struct {
		name     string
		answer   func(int, http.ResponseWriter, *http.Request)
		args     []string // after the command's --url
		code     int
		requests int
		stderr   string // must appear in stderr
		sameKey  bool   // every request carried the same, non-empty key and body
		key      string // the key every request carried
	}{
		{name: "503 then 200: share retried", answer: relThen(unavailable),
			args: []string{"share", "--parent", parent, "--child", child}, code: exitOK, requests: 2, sameKey: true},
		{name: "503 then 200: list retried", answer: relThen(unavailable),
			args: []string{"list", "--parent", parent, "--max-retries", "1"}, code: exitOK, requests: 2},
		{name: "503: --max-retries 0 sends once", answer: unavailable,
			args: []string{"share", "--parent", parent, "--child", child, "--max-retries", "0"}, code: exitAPI, requests: 1, stderr: "503"},
		{name: "caller's key on every attempt", answer: relThen(unavailable),
			args: []string{"share", "--parent", parent, "--child", child, "--idempotency-key", "nightly-job_42"},
			code: exitOK, requests: 2, sameKey: true, key: "nightly-job_42"},
		{name: "invalid key: nothing sent", answer: relOK,
			args: []string{"share", "--parent", parent, "--child", child, "--idempotency-key", "bad key"}, code: exitUsage, stderr: "idempotency key"},
		{name: "negative --max-retries", answer: relOK, args: []string{"list", "--parent", parent, "--max-retries", "-1"}, code: exitUsage, stderr: "--max-retries"},
		{name: "--max-retries over 9", answer: relOK, args: []string{"list", "--parent", parent, "--max-retries", "10"}, code: exitUsage, stderr: "--max-retries"},
		{name: "--max-retries not a number", answer: relOK, args: []string{"list", "--parent", parent, "--max-retries", "x"}, code: exitUsage},
		{name: "--timeout 0", answer: relOK, args: []string{"list", "--parent", parent, "--timeout", "0s"}, code: exitUsage, stderr: "--timeout"},
		{name: "malformed parent id", answer: relOK, args: []string{"list", "--parent", "248df4b7"}, code: exitUsage},
		{name: "429 Retry-After 30 vs --timeout 300ms", answer: relAnswer(429, "application/json", `{"status":429,"message":"slow down"}`, "Retry-After", "30"),
			args: []string{"list", "--parent", parent, "--timeout", "300ms"}, code: exitAPI, requests: 1, stderr: "deadline exceeded"},
		{name: "never answers: --timeout 300ms", answer: func(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			args: []string{"list", "--parent", parent, "--timeout", "300ms"}, code: exitTransport, requests: 1, stderr: "deadline exceeded"},
		{name: "401 echoing the key", answer: func(n int, w http.ResponseWriter, r *http.Request) {
			relAnswer(401, "application/json", `{"code":401,"error":"rejected `+r.Header.Get("Authorization")+`"}`)(n, w, r)
		}, args: []string{"share", "--parent", parent, "--child", child}, code: exitAPI, requests: 1, stderr: "[redacted]"},
		{name: "2 MiB answer", answer: relAnswer(200, "application/json", strings.Repeat(" ", 2<<20)),
			args: []string{"list", "--parent", parent}, code: exitAPI, requests: 1, stderr: "response too large"},
		{name: "empty 200", answer: relAnswer(200, "application/json", ""),
			args: []string{"share", "--parent", parent, "--child", child}, code: exitAPI, requests: 1, stderr: "invalid response"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newRelServer(t, c.answer)
			args := append([]string{c.args[0], "--url", s.url}, c.args[1:]...)
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return map[string]string{"POLYTOMIC_API_KEY": relSecret}[k] }
			code := run(context.Background(), args, getenv, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, relSecret) {
				t.Errorf("the secret was printed: %s", out)
			}
			keys, bodies := s.seen()
			if len(keys) != c.requests {
				t.Errorf("server saw %d requests, want %d", len(keys), c.requests)
			}
			if c.sameKey {
				for i := range keys {
					if keys[i] == "" || keys[i] != keys[0] || bodies[i] != bodies[0] || bodies[i] == "" {
						t.Errorf("request %d: key %q body %q; want the first's, %q %q", i+1, keys[i], bodies[i], keys[0], bodies[0])
					}
					if c.key != "" && keys[i] != c.key {
						t.Errorf("request %d: key %q, want %q", i+1, keys[i], c.key)
					}
				}
			}
		})
	}
}

// The cleartext rule and its opt-in, without sending anything anywhere.
func TestInsecureHTTPFlag(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"POLYTOMIC_API_KEY": relSecret}[k] }
	for _, c := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"http://api.example.invalid", false, false},
		{"http://api.example.invalid", true, true},
		{"http://127.0.0.1:8080", false, true},
		{"https://api.example.invalid", false, true},
	} {
		f := apiFlags{url: c.url, apiVersion: wrapper.DefaultAPIVersion, timeout: 1, maxRetries: 2, insecureHTTP: c.insecure}
		_, err := f.client(getenv)
		if (err == nil) != c.ok {
			t.Errorf("%s insecure=%v: err %v, want ok=%v", c.url, c.insecure, err, c.ok)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"list", "--url", "http://api.example.invalid", "--parent", "248df4b7-aa70-47b8-a036-33ac447e668d"}, getenv, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "cleartext") {
		t.Errorf("exit %d, stderr %q; want 2 naming the cleartext rule", code, stderr.String())
	}
}

func TestExitCodeMapping(t *testing.T) {
	api := &wrapper.APIError{Operation: wrapper.OpListSharedConnections, StatusCode: 503}
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{fmt.Errorf("%w: createSharedConnection: bad key", wrapper.ErrInvalidArgument), exitUsage},
		{api, exitAPI},
		{fmt.Errorf("%w (stopped waiting: %w)", api, context.DeadlineExceeded), exitAPI},
		{fmt.Errorf("%w: empty", wrapper.ErrInvalidResponse), exitAPI},
		{fmt.Errorf("x: %w", wrapper.ErrResponseTooLarge), exitAPI},
		{&url.Error{Op: "Get", URL: "http://127.0.0.1:1", Err: syscall.ECONNREFUSED}, exitTransport},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), exitTransport},
		{errors.New("connection reset by peer"), exitTransport},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
