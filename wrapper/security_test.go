package wrapper_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/wrapper"
)

// fastRetries keeps real-socket retry tests quick; time itself is tested
// in the synctest bubble.
var fastRetries = wrapper.WithRetryWaits(time.Millisecond, 5*time.Millisecond)

func fmClient(t *testing.T, base string, hc *http.Client, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	all := []wrapper.Option{wrapper.WithBaseURL(base), wrapper.WithAPIKey(fmCanary)}
	if hc != nil {
		all = append(all, wrapper.WithHTTPClient(hc))
	}
	c, err := wrapper.New(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serveLoopback(t *testing.T, b behaviour) (*recorder, string) {
	rec := &recorder{}
	base, _ := loopbackServer(t, rec.handler(b))
	return rec, base
}

func call(c *wrapper.Client, op string, opts ...wrapper.CallOption) error {
	if op == http.MethodPost {
		_, err := c.CreateSharedConnection(context.Background(), fmParent, fmChild, opts...)
		return err
	}
	_, err := c.ListSharedConnections(context.Background(), fmParent, opts...)
	return err
}

// A redirect to another host must not carry the credential; one to the same
// host still does (the control that shows the server would have seen it).
// Only a list follows redirects: a share gets the redirect as *APIError,
// having sent one request.
func TestRedirectCredentials(t *testing.T) {
	other, otherURL := serveLoopback(t, succeed)
	otherURL = strings.Replace(otherURL, "127.0.0.1", "localhost", 1) // another host, same machine
	first, base := serveLoopback(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/same/"):
			http.Redirect(w, r, strings.TrimPrefix(r.URL.Path, "/same"), http.StatusTemporaryRedirect)
		case n == 2: // the same-host hop
			succeed(n, w, r)
		default:
			http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
		}
	})
	c := fmClient(t, base, nil, wrapper.WithoutRetries())
	if err := call(c, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	if got := other.all(); len(got) != 1 || got[0].Auth != "" {
		t.Fatalf("the other host saw %+v; want one request without Authorization", got)
	}
	if got := first.all(); len(got) != 1 || got[0].Auth != "Bearer "+fmCanary {
		t.Fatalf("the configured host saw %+v; want one request with the credential", got)
	}

	// Control: a redirect within the configured host keeps the credential.
	same := fmClient(t, base+"/same", nil, wrapper.WithoutRetries())
	if err := call(same, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	if got := first.all(); len(got) != 3 || got[2].Auth != "Bearer "+fmCanary {
		t.Errorf("same-host redirect: requests %+v; want the credential on the second hop", got)
	}

	// A share follows neither redirect, keyed or not, whatever the retries.
	for _, client := range []*wrapper.Client{c, same, fmClient(t, base, nil), fmClient(t, base, nil, wrapper.WithoutIdempotencyKeys())} {
		before := len(first.all())
		err := call(client, http.MethodPost)
		var apiErr *wrapper.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("share: err %v, want *APIError 307", err)
		}
		if n := len(first.all()) - before; n != 1 {
			t.Errorf("share: the configured host saw %d requests, want 1", n)
		}
	}
	if n := len(other.all()); n != 2 {
		t.Errorf("the other host saw %d requests in all, want the two lists' 2", n)
	}
}

// A client's own CheckRedirect still decides for a list.
func TestCallerCheckRedirectAppliesToLists(t *testing.T) {
	_, base := serveLoopback(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
			return
		}
		succeed(n, w, r)
	})
	calls := 0
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { calls++; return http.ErrUseLastResponse }}
	_, err := fmClient(t, base, hc, wrapper.WithoutRetries()).ListSharedConnections(context.Background(), fmParent)
	var apiErr *wrapper.APIError
	if calls != 1 || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Errorf("CheckRedirect called %d times, err %v; want once and the 302 as *APIError", calls, err)
	}
}

func TestCleartextOnlyToLoopback(t *testing.T) {
	for _, c := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9", false, true},
		{"http://localhost:8080/base", false, true},
		{"http://[::1]:8080", false, true},
		{"https://app.polytomic.com", false, true},
		{"http://app.polytomic.com", false, false},
		{"http://localhost.example.com", false, false},
		{"http://10.0.0.5:8080", false, false},
		{"http://0.0.0.0:8080", false, false},
		{"http://[::ffff:10.0.0.5]", false, false},
		{"http://app.polytomic.com", true, true},
		{"http://10.0.0.5:8080", true, true},
	} {
		opts := []wrapper.Option{wrapper.WithBaseURL(c.url), wrapper.WithAPIKey(fmCanary)}
		if c.insecure {
			opts = append(opts, wrapper.WithInsecureHTTP())
		}
		_, err := wrapper.New(opts...)
		if (err == nil) != c.ok {
			t.Errorf("New(%s, insecure=%v) err = %v, want ok=%v", c.url, c.insecure, err, c.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "cleartext") || strings.Contains(err.Error(), fmCanary)) {
			t.Errorf("New(%s): error %q should name the cleartext rule and not the key", c.url, err)
		}
	}
}

func TestIdempotencyKeys(t *testing.T) {
	fail500 := reply(500, "application/json", `{"status":500,"message":"boom"}`)

	t.Run("caller key on every attempt", func(t *testing.T) {
		rec, base := serveLoopback(t, then(fail500, succeed))
		const key = "order-4711_share"
		if err := call(fmClient(t, base, nil, fastRetries), http.MethodPost, wrapper.WithIdempotencyKey(key)); err != nil {
			t.Fatal(err)
		}
		if got := rec.all(); len(got) != 2 || got[0].Key != key || got[1].Key != key {
			t.Errorf("requests %+v; want two, both with key %q", got, key)
		}
	})

	t.Run("a fresh v4 key per logical call", func(t *testing.T) {
		rec, base := serveLoopback(t, succeed)
		c := fmClient(t, base, nil)
		for range 2 {
			if err := call(c, http.MethodPost); err != nil {
				t.Fatal(err)
			}
		}
		got := rec.all()
		if len(got) != 2 || got[0].Key == got[1].Key {
			t.Fatalf("keys %q and %q; want two different keys", got[0].Key, got[1].Key)
		}
		for _, r := range got {
			if id, err := uuid.Parse(r.Key); err != nil || id.Version() != 4 || wrapper.CheckIdempotencyKey(r.Key) != nil {
				t.Errorf("key %q is not a valid v4 UUID key", r.Key)
			}
		}
	})

	t.Run("invalid keys refused before sending", func(t *testing.T) {
		rec, base := serveLoopback(t, succeed)
		c := fmClient(t, base, nil)
		for _, key := range []string{"", "short12", strings.Repeat("k", 256), "has space", "semi;colon", "ключ-1234567", "new\nline-key"} {
			err := call(c, http.MethodPost, wrapper.WithIdempotencyKey(key))
			if !errors.Is(err, wrapper.ErrInvalidArgument) {
				t.Errorf("key %q: err = %v, want ErrInvalidArgument", key, err)
			}
		}
		for _, key := range []string{"eight_ch", strings.Repeat("K", 255), "A-z_0-9-"} {
			if err := call(c, http.MethodPost, wrapper.WithIdempotencyKey(key)); err != nil {
				t.Errorf("valid key %q refused: %v", key, err)
			}
		}
		if n := len(rec.all()); n != 3 {
			t.Errorf("server saw %d requests, want only the 3 with valid keys", n)
		}
	})

	t.Run("keys off: POST sent once, GET still retried", func(t *testing.T) {
		rec, base := serveLoopback(t, fail500)
		c := fmClient(t, base, nil, fastRetries, wrapper.WithoutIdempotencyKeys())
		err := call(c, http.MethodPost)
		if got := rec.all(); !errors.Is(err, wrapper.ErrServer) || len(got) != 1 || got[0].HasKey {
			t.Errorf("POST: err %v, requests %+v; want one 500, no key", err, got)
		}
		_ = call(c, http.MethodGet)
		if n := len(rec.all()); n != 1+wrapper.DefaultMaxAttempts {
			t.Errorf("GET: server saw %d requests in all, want 1 + %d", n, wrapper.DefaultMaxAttempts)
		}
		// A key given for one call still makes that call retryable.
		_ = call(c, http.MethodPost, wrapper.WithIdempotencyKey("explicit-key"))
		if n := len(rec.all()); n != 1+2*wrapper.DefaultMaxAttempts {
			t.Errorf("POST with explicit key: %d requests in all, want %d", n, 1+2*wrapper.DefaultMaxAttempts)
		}
	})

	t.Run("GET takes no key", func(t *testing.T) {
		rec, base := serveLoopback(t, succeed)
		c := fmClient(t, base, nil)
		for _, o := range []wrapper.CallOption{wrapper.WithIdempotencyKey("a-valid-key"), wrapper.WithoutIdempotencyKey()} {
			if err := call(c, http.MethodGet, o); !errors.Is(err, wrapper.ErrInvalidArgument) {
				t.Errorf("err = %v, want ErrInvalidArgument", err)
			}
		}
		if err := call(c, http.MethodPost, wrapper.WithIdempotencyKey("a-valid-key"), wrapper.WithoutIdempotencyKey()); !errors.Is(err, wrapper.ErrInvalidArgument) {
			t.Errorf("both key options: err = %v, want ErrInvalidArgument", err)
		}
		if n := len(rec.all()); n != 0 {
			t.Errorf("server saw %d requests, want 0", n)
		}
	})
}

func TestAttemptCounts(t *testing.T) {
	fail503 := reply(503, "application/json", `{"status":503,"message":"down"}`)
	for _, c := range []struct {
		name string
		opts []wrapper.Option
		want int
	}{
		{"default", nil, 3},
		{"WithoutRetries", []wrapper.Option{wrapper.WithoutRetries()}, 1},
		{"WithMaxAttempts(1)", []wrapper.Option{wrapper.WithMaxAttempts(1)}, 1},
		{"WithMaxAttempts(5)", []wrapper.Option{wrapper.WithMaxAttempts(5)}, 5},
	} {
		for _, op := range []string{http.MethodGet, http.MethodPost} {
			rec, base := serveLoopback(t, fail503)
			err := call(fmClient(t, base, nil, append(c.opts, fastRetries)...), op)
			var e *wrapper.APIError
			if !errors.As(err, &e) || e.StatusCode != 503 || e.Attempts != c.want {
				t.Errorf("%s %s: err %v; want a 503 after %d attempts", c.name, op, err, c.want)
			}
			if n := len(rec.all()); n != c.want {
				t.Errorf("%s %s: server saw %d requests, want %d", c.name, op, n, c.want)
			}
		}
	}
}

func TestOptionValidation(t *testing.T) {
	for name, o := range map[string]wrapper.Option{
		"WithMaxAttempts(0)":       wrapper.WithMaxAttempts(0),
		"WithMaxAttempts(11)":      wrapper.WithMaxAttempts(11),
		"WithRetryWaits(0, 1s)":    wrapper.WithRetryWaits(0, time.Second),
		"WithRetryWaits(2s, 1s)":   wrapper.WithRetryWaits(2*time.Second, time.Second),
		"WithMaxResponseBytes(0)":  wrapper.WithMaxResponseBytes(0),
		"WithMaxResponseBytes(-1)": wrapper.WithMaxResponseBytes(-1),
		"WithLogger(nil)":          wrapper.WithLogger(nil),
		"WithRetryWaits(-1s, 1s)":  wrapper.WithRetryWaits(-time.Second, time.Second),
		"WithMaxAttempts(-1)":      wrapper.WithMaxAttempts(-1),
	} {
		if _, err := wrapper.New(wrapper.WithAPIKey(fmCanary), o); err == nil {
			t.Errorf("New with %s: no error", name)
		}
	}
	if _, err := wrapper.New(wrapper.WithAPIKey(fmCanary), wrapper.WithRetryWaits(time.Millisecond, time.Millisecond),
		wrapper.WithMaxAttempts(10), wrapper.WithMaxResponseBytes(1)); err != nil {
		t.Errorf("valid edge values refused: %v", err)
	}
}

func TestMaxResponseBytes(t *testing.T) {
	const limit = 100
	exact := `{"data":[]}` + strings.Repeat(" ", limit-len(`{"data":[]}`))
	for _, c := range []struct {
		name     string
		serve    behaviour
		tooLarge bool
	}{
		{"200 of exactly the cap", reply(200, "application/json", exact), false},
		{"200 one byte over", reply(200, "application/json", exact+" "), true},
	} {
		rec, base := serveLoopback(t, c.serve)
		err := call(fmClient(t, base, nil, wrapper.WithMaxResponseBytes(limit), fastRetries), http.MethodGet)
		if got := errors.Is(err, wrapper.ErrResponseTooLarge); got != c.tooLarge {
			t.Errorf("%s: err = %v, want too large = %v", c.name, err, c.tooLarge)
		}
		if c.tooLarge && (!strings.Contains(err.Error(), "response too large") || len(rec.all()) != 1) {
			t.Errorf("%s: %v after %d requests; want a clear message and no retry", c.name, err, len(rec.all()))
		}
	}
	// An error answer over the cap is still the answer: an *APIError with an
	// excerpt of what was read, retried as its status says.
	rec, base := serveLoopback(t, reply(503, "text/html", strings.Repeat("<p>", 50)))
	err := call(fmClient(t, base, nil, wrapper.WithMaxResponseBytes(limit), fastRetries), http.MethodGet)
	var e *wrapper.APIError
	if !errors.As(err, &e) || e.StatusCode != 503 || !errors.Is(err, wrapper.ErrServer) || errors.Is(err, wrapper.ErrResponseTooLarge) ||
		e.Body != strings.Repeat("<p>", 33)+"<" || len(rec.all()) != wrapper.DefaultMaxAttempts {
		t.Errorf("error body over the cap: %v after %d requests; want a 503 *APIError with the first %d bytes, retried", err, len(rec.all()), limit)
	}
}

func TestSentinels(t *testing.T) {
	sentinels := map[error]func(int) bool{
		wrapper.ErrUnauthorized:  func(s int) bool { return s == 401 },
		wrapper.ErrForbidden:     func(s int) bool { return s == 403 },
		wrapper.ErrNotFound:      func(s int) bool { return s == 404 },
		wrapper.ErrConflict:      func(s int) bool { return s == 409 },
		wrapper.ErrUnprocessable: func(s int) bool { return s == 422 },
		wrapper.ErrRateLimited:   func(s int) bool { return s == 429 },
		wrapper.ErrServer:        func(s int) bool { return s >= 500 },
	}
	for _, status := range []int{400, 401, 403, 404, 405, 408, 409, 410, 422, 429, 500, 501, 502, 503, 504, 599} {
		err := fmt.Errorf("wrapped: %w", &wrapper.APIError{Operation: wrapper.OpListSharedConnections, StatusCode: status})
		for s, want := range sentinels {
			if got := errors.Is(err, s); got != want(status) {
				t.Errorf("errors.Is(%d, %v) = %v", status, s, got)
			}
		}
		if errors.Is(err, wrapper.ErrInvalidResponse) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("status %d matched an unrelated sentinel", status)
		}
	}
	// Through the client, over the wire, each documented status.
	for status, s := range map[int]error{401: wrapper.ErrUnauthorized, 403: wrapper.ErrForbidden, 404: wrapper.ErrNotFound,
		422: wrapper.ErrUnprocessable, 429: wrapper.ErrRateLimited, 500: wrapper.ErrServer} {
		_, base := serveLoopback(t, reply(status, "application/json", `{"status":0,"message":"m"}`))
		if err := call(fmClient(t, base, nil, wrapper.WithoutRetries()), http.MethodPost); !errors.Is(err, s) {
			t.Errorf("%d: err %v does not match %v", status, err, s)
		}
	}
}

// Retry-After is honoured up to the client's cap, and cancelling the context
// ends a wait at once; both in fake time.
func TestWaitsInFakeTime(t *testing.T) {
	t.Run("Retry-After capped", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			base, hc, stop := pipeServer(rec.handler(then(reply(429, "", "", "Retry-After", "3600"), succeed)))
			defer stop()
			c := fmClient(t, base, hc, wrapper.WithRetryWaits(100*time.Millisecond, 2*time.Second))
			start := time.Now()
			err := call(c, http.MethodGet)
			if err != nil || time.Since(start) != 2*time.Second || len(rec.all()) != 2 {
				t.Errorf("err %v after %s and %d requests; want success after exactly the 2s cap", err, time.Since(start), len(rec.all()))
			}
		})
	})
	t.Run("cancel during the wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			base, hc, stop := pipeServer((&recorder{}).handler(reply(429, "", "", "Retry-After", "20")))
			defer stop()
			c := fmClient(t, base, hc)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Second, cancel)
			start := time.Now()
			_, err := c.ListSharedConnections(ctx, fmParent)
			if !errors.Is(err, context.Canceled) || !errors.Is(err, wrapper.ErrRateLimited) || time.Since(start) != time.Second {
				t.Errorf("err %v after %s; want Canceled and the 429, at 1s", err, time.Since(start))
			}
		})
	})
}

// The debug log names method, path, status, attempt and duration, and
// nothing that carries a credential, whichever credential is used.
func TestDebugLog(t *testing.T) {
	for name, cred := range map[string]wrapper.Option{
		"bearer": wrapper.WithAPIKey(fmCanary), "basic": wrapper.WithDeploymentKey(fmCanary),
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			mux := http.NewServeMux()
			mux.Handle("/base/", rec.handler(then(func(n int, w http.ResponseWriter, r *http.Request) {
				// A proxy that echoes the request's Authorization header.
				reply(502, "text/plain", "upstream refused "+r.Header.Get("Authorization"))(n, w, r)
			}, succeed)))
			srv := httptest.NewServer(mux)
			defer srv.Close()
			var logs bytes.Buffer
			c, err := wrapper.New(wrapper.WithBaseURL(srv.URL+"/base"), cred, fastRetries, wrapper.WithMaxAttempts(2),
				wrapper.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			if err := call(c, http.MethodGet); err != nil {
				t.Fatal(err)
			}
			var lines []map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				lines = append(lines, m)
			}
			if len(lines) != 3 || lines[1]["msg"] != "polyshare retry" {
				t.Fatalf("log lines %v; want attempt, retry, attempt", lines)
			}
			wantPath := "/base/api/connections/" + fmParent.String() + "/shared"
			for i, status := range map[int]float64{0: 502, 2: 200} {
				l := lines[i]
				if l["msg"] != "polyshare request" || l["method"] != "GET" || l["path"] != wantPath ||
					l["status"] != status || l["attempt"] != float64(i/2+1) || l["duration"] == nil || l["level"] != "DEBUG" {
					t.Errorf("log line %d = %v", i, l)
				}
			}
			basic := base64.StdEncoding.EncodeToString([]byte(fmCanary + ":"))
			for _, bad := range []string{fmCanary, basic, "Authorization", "Bearer", "Basic"} {
				if strings.Contains(logs.String(), bad) {
					t.Errorf("log contains %q:\n%s", bad, logs.String())
				}
			}
			if got := rec.all(); len(got) != 2 || got[0].Auth == "" {
				t.Errorf("server saw %+v", got)
			}
		})
	}
}

// A 502 whose body echoes a Basic credential: the error never shows it.
func TestEchoedBasicCredentialScrubbed(t *testing.T) {
	_, base := serveLoopback(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(502, "text/plain", "proxy saw "+r.Header.Get("Authorization"))(n, w, r)
	})
	c, err := wrapper.New(wrapper.WithBaseURL(base), wrapper.WithDeploymentKey(fmCanary), wrapper.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	err = call(c, http.MethodPost)
	basic := base64.StdEncoding.EncodeToString([]byte(fmCanary + ":"))
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, fmCanary) || strings.Contains(s, basic) {
			t.Errorf("credential in %q", s)
		}
	}
	if !strings.Contains(err.Error(), "proxy saw Basic [redacted]") {
		t.Errorf("err = %v; want the excerpt with the credential redacted", err)
	}
}

var _ net.Listener = (*pipeListener)(nil)
