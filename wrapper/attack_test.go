package wrapper_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/wrapper"
)

// Regression tests for an adversarial review of the client: a server that
// echoes the credential in forms the old scrubbing missed, keys and URLs that
// could never work, oversized error bodies, non-RFC 9562 ids, impossible API
// versions and an absurd Retry-After.

// atkKey is a canary with the characters URL and JSON escaping change
// ('/', '+', '='), so that every escaped spelling differs from the raw one.
const atkKey = "canary/SECRET+wrapper=5b1e9d"

// spellings are the forms of key a server could echo it in: raw, URL query-
// and path-escaped, JSON-escaped ('\/'), and the Basic base64 of "key:".
func spellings(key string) []string {
	basic := base64.StdEncoding.EncodeToString([]byte(key + ":"))
	return []string{
		key, "SECRET", url.QueryEscape(key), url.PathEscape(key), strings.ReplaceAll(key, "/", `\/`),
		strings.TrimRight(basic, "="), url.QueryEscape(basic),
	}
}

// uEscape matches a \uXXXX escape.
var uEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)

// unescaped undoes, a few times over, the backslash escapes JSON and Go
// quoting add, so that an escaped echo of the key shows as the key.
func unescaped(s string) string {
	for range 3 {
		s = strings.ReplaceAll(s, `\\`, `\`)
		s = strings.ReplaceAll(s, `\/`, `/`)
		s = uEscape.ReplaceAllStringFunc(s, func(m string) string {
			if u, err := strconv.Unquote(`"` + m + `"`); err == nil {
				return u
			}
			return m
		})
	}
	return s
}

// assertNoKey fails the test if any spelling of key occurs in any of the
// renderings of what, as they are or with escapes undone.
func assertNoKey(t *testing.T, key string, what map[string]string) {
	t.Helper()
	for name, s := range what {
		for _, form := range spellings(key) {
			if strings.Contains(s, form) || strings.Contains(unescaped(s), form) {
				t.Errorf("%s shows the key as %q: %s", name, form, s)
			}
		}
	}
}

// renderings are the ways a caller may print an error.
func renderings(err error) map[string]string {
	return map[string]string{
		"Error()": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", err),
		"%#v": fmt.Sprintf("%#v", err), "%s": fmt.Sprintf("%s", err), "%q": fmt.Sprintf("%q", err),
	}
}

// closedAddr is a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// token is the credential part of an Authorization value ("Bearer x" → x).
func token(r *http.Request) string {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return tok
}

// Item 1: transport errors quote the redirect target or the Location header,
// so a server that puts the credential there used to get it into our errors.
// Every rendering of the error, the *url.Error inside it and the debug log
// must be free of it, while errors.Is/As still find the causes.
func TestTransportErrorsNeverShowTheKey(t *testing.T) {
	refused := closedAddr(t)
	rows := []struct {
		name     string
		serve    behaviour
		deadline time.Duration
		is       []error
		urlErr   bool   // an *url.Error must be in the chain
		says     string // the error still says what went wrong
		// redirect: the first answer is a redirect, which a share does not
		// follow: it gets that answer as an *APIError instead.
		redirect bool
	}{
		{
			name: "redirect to a closed port, Authorization in the query",
			serve: func(_ int, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+refused+"/x?t="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusFound)
			},
			is: []error{syscall.ECONNREFUSED}, urlErr: true, says: "connection refused", redirect: true,
		},
		{
			name: "redirect to a closed port, token in the path",
			serve: func(_ int, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+refused+"/x/"+url.PathEscape(token(r)), http.StatusFound)
			},
			is: []error{syscall.ECONNREFUSED}, urlErr: true, says: "connection refused", redirect: true,
		},
		{
			name: "redirect to a closed port, token raw in the query",
			serve: func(_ int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "http://"+refused+"/x?t="+token(r))
				w.WriteHeader(http.StatusFound)
			},
			is: []error{syscall.ECONNREFUSED}, urlErr: true, says: "connection refused", redirect: true,
		},
		{
			name: "redirect loop quoting Authorization",
			serve: func(_ int, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path+"?a="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusTemporaryRedirect)
			},
			urlErr: true, says: "stopped after 10 redirects", redirect: true,
		},
		{
			name: "unparsable Location carrying the token",
			serve: func(_ int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "http://[::1"+token(r))
				w.WriteHeader(http.StatusFound)
			},
			urlErr: true, says: "Location",
		},
		{
			name: "redirect echoing the token, then no answer before the deadline",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("t") == "" {
					http.Redirect(w, r, r.URL.Path+"?t="+url.QueryEscape(token(r)), http.StatusFound)
					return
				}
				hang(n, w, r)
			},
			deadline: 300 * time.Millisecond,
			is:       []error{context.DeadlineExceeded}, urlErr: true, says: "deadline", redirect: true,
		},
		{
			name: "200 whose Content-Type echoes Authorization",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				reply(200, "text/plain; t="+r.Header.Get("Authorization"), "{}")(n, w, r)
			},
			is: []error{wrapper.ErrInvalidResponse}, says: "Content-Type",
		},
	}
	for _, cred := range []string{"bearer", "basic"} {
		for _, row := range rows {
			for _, op := range []string{http.MethodGet, http.MethodPost} {
				t.Run(cred+"/"+row.name+"/"+op, func(t *testing.T) {
					t.Parallel()
					rec, base := serveLoopback(t, row.serve)
					credOpt := wrapper.WithAPIKey(atkKey)
					if cred == "basic" {
						credOpt = wrapper.WithDeploymentKey(atkKey)
					}
					var logs bytes.Buffer
					c, err := wrapper.New(wrapper.WithBaseURL(base), credOpt, fastRetries,
						wrapper.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
					if err != nil {
						t.Fatal(err)
					}
					ctx := context.Background()
					if row.deadline > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, row.deadline)
						defer cancel()
					}
					if op == http.MethodPost {
						_, err = c.CreateSharedConnection(ctx, fmParent, fmChild)
					} else {
						_, err = c.ListSharedConnections(ctx, fmParent)
					}
					if err == nil {
						t.Fatal("call succeeded")
					}
					// Control: the server really had the credential to echo.
					if got := rec.all(); len(got) == 0 || got[0].Auth == "" {
						t.Fatalf("server saw %+v; want the credential", got)
					}
					is, says, urlErr := row.is, row.says, row.urlErr
					var apiErr *wrapper.APIError
					if op == http.MethodPost && row.redirect {
						is, says, urlErr = nil, "Found", false
						if !errors.As(err, &apiErr) || apiErr.StatusCode/100 != 3 || len(rec.all()) != 1 {
							t.Errorf("share: err %v after %d requests; want one request and its redirect as *APIError", err, len(rec.all()))
						} else if apiErr.StatusCode == http.StatusTemporaryRedirect {
							says = "Temporary Redirect"
						}
					}
					for _, target := range is {
						if !errors.Is(err, target) {
							t.Errorf("errors.Is(%v, %v) = false", err, target)
						}
					}
					if !strings.Contains(err.Error(), says) || !strings.HasPrefix(err.Error(), "polyshare: ") {
						t.Errorf("err %q should start with \"polyshare: \" and say %q", err, says)
					}
					what := renderings(err)
					what["log"] = logs.String()
					if apiErr != nil {
						what["APIError.Body"] = string(apiErr.Body)
						what["APIError.Message()"] = apiErr.Message()
					}
					var ue *url.Error
					if got := errors.As(err, &ue); got != urlErr {
						t.Errorf("errors.As(*url.Error) = %v, want %v (err %v)", got, urlErr, err)
					} else if got {
						what["*url.Error"] = ue.Error()
						what["*url.Error.URL"] = ue.URL
					}
					assertNoKey(t, atkKey, what)
				})
			}
		}
	}
}

// lowerHex writes percent-escapes with lower-case hex digits, as some
// servers do.
var lowerHex = strings.NewReplacer("%2F", "%2f", "%2B", "%2b", "%3D", "%3d")

// jsonEscapeAll spells every character of s as a \uXXXX JSON escape.
func jsonEscapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// Item 2: a server may echo the key JSON-escaped (\u0063 for 'c', \/ for
// '/'), which the raw-bytes scrub missed. The decoded fields, the body
// excerpt and every rendering must be free of it; the recognised fields are
// still decoded.
func TestEscapedEchoesScrubbed(t *testing.T) {
	first := `\u0063` + atkKey[1:]
	slashed := strings.ReplaceAll(atkKey, "/", `\/`)
	basic64 := base64.StdEncoding.EncodeToString([]byte(atkKey + ":"))
	rows := []struct {
		name, ctype, body string
		basic             bool
		check             func(t *testing.T, e *wrapper.APIError)
	}{
		{name: "unrecognised JSON, first character escaped", ctype: "application/json",
			body: `{"detail":"invalid token ` + first + `"}`,
			check: func(t *testing.T, e *wrapper.APIError) {
				if !strings.Contains(e.Body, "invalid token [redacted]") {
					t.Errorf("Body = %q, want the excerpt with the key redacted", e.Body)
				}
			}},
		{name: "unrecognised JSON, slash escaped", ctype: "application/json", body: `{"detail":"invalid token ` + slashed + `"}`},
		{name: "unrecognised JSON, every character escaped", ctype: "application/json", body: `{"detail":"` + jsonEscapeAll(atkKey) + `"}`},
		{name: "unrecognised JSON, key in a field name", ctype: "application/json", body: `{"` + first + `":1}`},
		{name: "REST error, key in message and metadata", ctype: "application/json",
			body: `{"key":"unauthorized","message":"bad token ` + first + `","metadata":{"token":"` + slashed + `","n":12},"status":401}`,
			check: func(t *testing.T, e *wrapper.APIError) {
				if e.Key() != "unauthorized" || e.Message() != "bad token [redacted]" || e.REST.Status == nil || *e.REST.Status != 401 {
					t.Errorf("Key %q Message %q; want the decoded REST error with the key redacted", e.Key(), e.Message())
				}
				if md := *e.REST.Metadata; md["token"] != "[redacted]" || fmt.Sprint(md["n"]) != "12" {
					t.Errorf("Metadata = %v", md)
				}
			}},
		{name: "401 shape, key in error and context", ctype: "application/json",
			body: `{"code":401,"error":"Bearer ` + jsonEscapeAll(atkKey) + `","context":{"h":"` + first + `"},"status":"Unauthorized"}`,
			check: func(t *testing.T, e *wrapper.APIError) {
				if e.Unauthorized == nil || e.Message() != "Bearer [redacted]" || (*e.Unauthorized.Context)["h"] != "[redacted]" {
					t.Errorf("Unauthorized = %+v, Message %q", e.Unauthorized, e.Message())
				}
			}},
		{name: "JSON with trailing data (not JSON)", ctype: "application/json", body: `{"detail":"` + first + `"} trailing`},
		{name: "HTML with a percent-escaped link", ctype: "text/html",
			body: `<a href="/login?t=` + url.QueryEscape(atkKey) + `">again</a> or /x/` + lowerHex.Replace(url.PathEscape(atkKey))},
		{name: "Basic echoed JSON-escaped", ctype: "application/json", basic: true,
			body: `{"detail":"Basic ` + strings.ReplaceAll(basic64, "/", `\/`) + ` and ` + jsonEscapeAll(atkKey) + `"}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, base := serveLoopback(t, reply(401, row.ctype, row.body))
			cred := wrapper.WithAPIKey(atkKey)
			if row.basic {
				cred = wrapper.WithDeploymentKey(atkKey)
			}
			c, err := wrapper.New(wrapper.WithBaseURL(base), cred, wrapper.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			err = call(c, http.MethodGet)
			e := apiErr(t, err)
			if e.StatusCode != 401 || !errors.Is(err, wrapper.ErrUnauthorized) {
				t.Errorf("err %v, want the 401", err)
			}
			if row.check != nil {
				row.check(t, e)
			}
			what := renderings(err)
			what["Body"], what["Message()"] = e.Body, e.Message()
			if e.REST != nil {
				what["REST"] = fmt.Sprintf("%+v %v", *e.REST, *e.REST.Metadata)
			}
			if e.Unauthorized != nil {
				what["Unauthorized"] = fmt.Sprintf("%+v %v", *e.Unauthorized, *e.Unauthorized.Context)
			}
			assertNoKey(t, atkKey, what)
		})
	}
}

// Item 5: a key with a line ending (a CRLF .env file) or other whitespace or
// control character can never be sent (net/http refuses the header), so New
// refuses it, says why, and does not print it.
func TestKeysWithControlCharactersRefused(t *testing.T) {
	for _, key := range []string{
		atkKey + "\n", atkKey + "\r", atkKey + "\r\n", " " + atkKey, atkKey + " ", "canary SECRET-1234",
		atkKey + "\t", "canary\xffSECRET-1234", "canary\x00SECRET-1234", "canary\x7fSECRET-1234", "canary\u0085SECRET-1234", "canary\u00a0SECRET-1234",
	} {
		for name, opt := range map[string]wrapper.Option{"WithAPIKey": wrapper.WithAPIKey(key), "WithDeploymentKey": wrapper.WithDeploymentKey(key)} {
			c, err := wrapper.New(wrapper.WithBaseURL("http://127.0.0.1:9"), opt)
			if err == nil || c != nil {
				t.Errorf("%s(%q) accepted", name, key)
				continue
			}
			if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "whitespace or a control character") && !strings.Contains(err.Error(), "UTF-8") {
				t.Errorf("%s(%q): error %q should name the option and the problem", name, key, err)
			}
			assertNoKey(t, "canary/SECRET+wrapper=5b1e9d", map[string]string{"error": err.Error()})
			if strings.Contains(err.Error(), "canary") {
				t.Errorf("%s(%q): error shows the key: %q", name, key, err)
			}
		}
	}
	// Control: printable keys, non-ASCII letters included, are fine.
	for _, key := range []string{atkKey, "canary-SECRET-ключ-1234"} {
		if _, err := wrapper.New(wrapper.WithAPIKey(key)); err != nil {
			t.Errorf("WithAPIKey(%q): %v", key, err)
		}
		if _, err := wrapper.New(wrapper.WithDeploymentKey(key)); err != nil {
			t.Errorf("WithDeploymentKey(%q): %v", key, err)
		}
	}
}

// countingBody is an endless response body that counts the bytes read.
type countingBody struct {
	fill byte
	n    *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = b.fill
	}
	b.n.Add(int64(len(p)))
	return len(p), nil
}

func (countingBody) Close() error { return nil }

// endless answers every request with status and a body that never ends,
// opening with prefix; read counts what the client read over all attempts.
type endless struct {
	status int
	prefix string
	read   *atomic.Int64
	sent   *atomic.Int32
}

func (e endless) RoundTrip(req *http.Request) (*http.Response, error) {
	e.sent.Add(1)
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := io.MultiReader(strings.NewReader(e.prefix), countingBody{'x', e.read})
	return &http.Response{
		StatusCode: e.status, Header: http.Header{"Content-Type": {"text/html"}}, Request: req,
		Body: struct {
			io.Reader
			io.Closer
		}{body, countingBody{}}, ContentLength: -1,
	}, nil
}

// Item 11: an error answer larger than the cap is still an *APIError with
// its status, sentinels and an excerpt of what was read, retried as its
// status says, having read at most cap+1 bytes per attempt; a 200 over the
// cap stays ErrResponseTooLarge and is not retried.
func TestErrorBodyOverTheCap(t *testing.T) {
	const limit = 2000
	prefix := "<html><title>503 Service Unavailable</title> key " + atkKey + " "
	for _, c := range []struct {
		status   int
		is       error
		attempts int
	}{
		{503, wrapper.ErrServer, 3},
		{429, wrapper.ErrRateLimited, 3},
		{404, wrapper.ErrNotFound, 1},
		{200, wrapper.ErrResponseTooLarge, 1},
	} {
		for _, op := range []string{http.MethodGet, http.MethodPost} {
			var read atomic.Int64
			var sent atomic.Int32
			hc := &http.Client{Transport: endless{c.status, prefix, &read, &sent}}
			cl, err := wrapper.New(wrapper.WithBaseURL("http://127.0.0.1:9"), wrapper.WithAPIKey(atkKey), wrapper.WithHTTPClient(hc),
				wrapper.WithMaxResponseBytes(limit), wrapper.WithRetryWaits(time.Nanosecond, time.Nanosecond))
			if err != nil {
				t.Fatal(err)
			}
			err = call(cl, op)
			if !errors.Is(err, c.is) {
				t.Errorf("%d %s: err = %v, want %v", c.status, op, err, c.is)
			}
			if int(sent.Load()) != c.attempts {
				t.Errorf("%d %s: %d attempts, want %d", c.status, op, sent.Load(), c.attempts)
			}
			if max := int64(c.attempts) * (limit + 1 - int64(len(prefix))); read.Load() > max {
				t.Errorf("%d %s: read %d filler bytes over %d attempts, want at most cap+1 each", c.status, op, read.Load(), c.attempts)
			}
			var e *wrapper.APIError
			isAPI := errors.As(err, &e)
			if c.status == 200 {
				if isAPI {
					t.Errorf("200 over the cap: err %v is an *APIError", err)
				}
				continue
			}
			if !isAPI || e.StatusCode != c.status || e.Attempts != c.attempts {
				t.Fatalf("%d %s: err = %v, want an *APIError with that status after %d attempts", c.status, op, err, c.attempts)
			}
			if errors.Is(err, wrapper.ErrResponseTooLarge) {
				t.Errorf("%d %s: an *APIError should not match ErrResponseTooLarge", c.status, op)
			}
			if len(e.Body) != 512 || !strings.HasPrefix(e.Body, "<html><title>503 Service Unavailable</title> key [redacted] xxx") {
				t.Errorf("%d %s: Body = %d bytes %q, want a 512-byte excerpt of what was read", c.status, op, len(e.Body), e.Body)
			}
			assertNoKey(t, atkKey, renderings(err))
		}
	}
}

// A body cut at the cap may end in the first part of the key: that part is
// not shown either.
func TestKeyCutAtTheCapNotShown(t *testing.T) {
	const limit = 100
	body := strings.Repeat("x", limit-10) + atkKey // the cap falls inside the key
	_, base := serveLoopback(t, reply(502, "text/plain", body))
	c, err := wrapper.New(wrapper.WithBaseURL(base), wrapper.WithAPIKey(atkKey), wrapper.WithoutRetries(), wrapper.WithMaxResponseBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	e := apiErr(t, call(c, http.MethodGet))
	if e.StatusCode != 502 || strings.Contains(e.Body, atkKey[:10]) || !strings.HasPrefix(e.Body, strings.Repeat("x", limit-10)) {
		t.Errorf("Body = %q; want the filler without the key's first 10 bytes", e.Body)
	}
}

// Item 15: the spec's uuid format is RFC 9562 (version 1 to 8, variant
// 10xx); ids outside it are refused before anything is sent.
func TestNonRFC9562UUIDsRefused(t *testing.T) {
	rec, base := serveLoopback(t, succeed)
	c := fmClient(t, base, nil)
	ctx := context.Background()
	bad := []string{
		"248df4b7-aa70-07b8-0036-33ac447e668d", // version 0, variant 0
		"248df4b7-aa70-47b8-0036-33ac447e668d", // version 4, variant 0 (NCS)
		"248df4b7-aa70-47b8-c036-33ac447e668d", // version 4, variant 110x (Microsoft)
		"248df4b7-aa70-97b8-a036-33ac447e668d", // version 9
		"ffffffff-ffff-ffff-ffff-ffffffffffff", // the max UUID
	}
	for _, s := range bad {
		id := uuid.MustParse(s)
		for what, err := range map[string]error{
			"share parent": func() error { _, err := c.CreateSharedConnection(ctx, id, fmChild); return err }(),
			"share child":  func() error { _, err := c.CreateSharedConnection(ctx, fmParent, id); return err }(),
			"list parent":  func() error { _, err := c.ListSharedConnections(ctx, id); return err }(),
		} {
			if !errors.Is(err, wrapper.ErrInvalidArgument) || !strings.Contains(err.Error(), "RFC 9562") {
				t.Errorf("%s %s: err = %v, want ErrInvalidArgument naming RFC 9562", what, s, err)
			}
		}
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("server saw %d requests for invalid ids", n)
	}
	// Control: every RFC 9562 version is sent.
	for v := 1; v <= 8; v++ {
		id := uuid.MustParse(fmt.Sprintf("248df4b7-aa70-%d7b8-a036-33ac447e668d", v))
		if _, err := c.CreateSharedConnection(ctx, id, id); err != nil {
			t.Errorf("version %d: %v", v, err)
		}
		if _, err := c.ListSharedConnections(ctx, id); err != nil {
			t.Errorf("version %d: %v", v, err)
		}
	}
	if n := len(rec.all()); n != 16 {
		t.Errorf("server saw %d requests, want 16", n)
	}
}

// Item 16: an API version is a real calendar date.
func TestAPIVersionIsARealDate(t *testing.T) {
	rec, base := serveLoopback(t, succeed)
	c := fmClient(t, base, nil)
	for _, v := range []string{"2024-99-99", "0000-00-00", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-08", "latest"} {
		if _, err := wrapper.New(wrapper.WithAPIKey(atkKey), wrapper.WithAPIVersion(v)); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
			t.Errorf("WithAPIVersion(%q): err = %v, want a refusal", v, err)
		}
		if err := call(c, http.MethodGet, wrapper.WithVersion(v)); !errors.Is(err, wrapper.ErrInvalidArgument) {
			t.Errorf("WithVersion(%q): err = %v, want ErrInvalidArgument", v, err)
		}
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
	for _, v := range []string{"2024-02-29", "2024-02-08", "2023-04-25", "2025-12-31"} {
		if _, err := wrapper.New(wrapper.WithAPIKey(atkKey), wrapper.WithAPIVersion(v)); err != nil {
			t.Errorf("WithAPIVersion(%q): %v", v, err)
		}
	}
}

// Item 17: a base URL whose port cannot exist fails in New, not later as a
// network error that is retried.
func TestBaseURLPortOutOfRange(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:99999", "http://127.0.0.1:65536", "http://127.0.0.1:0", "https://example.com:00000/api", "http://[::1]:123456"} {
		c, err := wrapper.New(wrapper.WithBaseURL(u), wrapper.WithAPIKey(atkKey))
		if err == nil || c != nil || !strings.Contains(err.Error(), "port") || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("New(%s): err = %v, want a base URL port error", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:65535", "http://127.0.0.1:1", "https://example.com", "http://localhost:8080/base"} {
		if _, err := wrapper.New(wrapper.WithBaseURL(u), wrapper.WithAPIKey(atkKey)); err != nil {
			t.Errorf("New(%s): %v", u, err)
		}
	}
}

// Item 18: a Retry-After too large for any integer type is a very long wait,
// capped at the client's maximum, not an unreadable header (which would
// fall back to the short backoff). In fake time, so the wait is exact.
func TestHugeRetryAfterCapped(t *testing.T) {
	for _, ra := range []string{"99999999999999999999", "999999999999999999999999999999"} {
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			base, hc, stop := pipeServer(rec.handler(then(reply(429, "", "", "Retry-After", ra), succeed)))
			defer stop()
			c := fmClient(t, base, hc, wrapper.WithRetryWaits(100*time.Millisecond, 2*time.Second))
			start := time.Now()
			err := call(c, http.MethodGet)
			if err != nil || time.Since(start) != 2*time.Second || len(rec.all()) != 2 {
				t.Errorf("Retry-After %s: err %v after %s and %d requests; want success after exactly the 2s cap",
					ra, err, time.Since(start), len(rec.all()))
			}
		})
	}
}
