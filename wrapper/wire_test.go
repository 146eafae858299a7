package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/wrapper"
)

// net/http's Transport would re-send a POST carrying Idempotency-Key by
// itself when the server closes a reused keep-alive connection without
// answering. The wrapper alone decides whether a share is repeated: a
// dropped connection is one attempt, so WithoutRetries sends a share exactly
// once and WithMaxAttempts(n) at most n times, warm connection or not. A
// GET is left to net/http, which re-sends it once (documented in README).
func TestDroppedKeepAliveConnectionIsOneAttempt(t *testing.T) {
	cases := []struct {
		name     string
		op       string
		opts     []wrapper.Option
		drops    int
		wantSent int
		wantErr  bool
	}{
		{"list without retries: net/http re-sends the GET once", fake.OpListSharedConnections, []wrapper.Option{wrapper.WithoutRetries()}, 1, 2, false},
		{"share without key or retries", fake.OpCreateSharedConnection, []wrapper.Option{wrapper.WithoutRetries(), wrapper.WithoutIdempotencyKeys()}, 1, 1, true},
		{"share with key, without retries", fake.OpCreateSharedConnection, []wrapper.Option{wrapper.WithoutRetries()}, 1, 1, true},
		{"share, 2 attempts, both dropped", fake.OpCreateSharedConnection, []wrapper.Option{wrapper.WithMaxAttempts(2)}, 2, 2, true},
		{"share, 2 attempts, one dropped", fake.OpCreateSharedConnection, []wrapper.Option{wrapper.WithMaxAttempts(2)}, 1, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := fake.NewTestServer(t)
			c := newClient(t, srv.URL, append([]wrapper.Option{wrapper.WithRetryWaits(time.Millisecond, time.Millisecond)}, tc.opts...)...)
			ctx := context.Background()
			call := func() error {
				if tc.op == fake.OpListSharedConnections {
					_, err := c.ListSharedConnections(ctx, parentID)
					return err
				}
				_, err := c.CreateSharedConnection(ctx, parentID, childID)
				return err
			}
			// Warm the connection, so the next request goes over a reused one.
			if err := call(); err != nil {
				t.Fatal(err)
			}
			srv.ClearRequests()
			if err := srv.InjectFault(fake.Fault{Operation: tc.op, Count: tc.drops, Drop: true}); err != nil {
				t.Fatal(err)
			}
			err := call()
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want an error: %v", err, tc.wantErr)
			}
			if n := len(srv.Requests()); n != tc.wantSent {
				t.Errorf("the server saw %d requests, want %d", n, tc.wantSent)
			}
		})
	}
}

// A list request goes out without a body: no Content-Length, no
// Transfer-Encoding.
func TestListSendsNoBody(t *testing.T) {
	type seen struct {
		te     []string
		length int64
		header []string
		body   int
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.TransferEncoding, r.ContentLength, r.Header.Values("Content-Length"), len(b)}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	t.Cleanup(srv.Close)
	if _, err := newClient(t, srv.URL).ListSharedConnections(context.Background(), parentID); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if len(s.te) != 0 || s.length != 0 || len(s.header) != 0 || s.body != 0 {
		t.Errorf("GET went out with Transfer-Encoding %q, ContentLength %d, Content-Length %q, %d body bytes; want none",
			s.te, s.length, s.header, s.body)
	}
}

// A list element that is null is not a connection: the answer is broken,
// never an empty Connection returned as success. {} is what the spec allows
// (every field optional) and comes back as it is.
func TestListNullElement(t *testing.T) {
	for _, tc := range []struct {
		body    string
		wantErr bool
		n       int
	}{
		{`{"data":[null]}`, true, 0},
		{`{"data":[{"id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"}, null ]}`, true, 0},
		{`{"data":[{}]}`, false, 1},
		{`{"data":[]}`, false, 0},
		{`{"data":[{"id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"},{}]}`, false, 2},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, tc.body)
		}))
		list, err := newClient(t, srv.URL).ListSharedConnections(context.Background(), parentID)
		srv.Close()
		if tc.wantErr {
			if !errors.Is(err, wrapper.ErrInvalidResponse) || list != nil {
				t.Errorf("%s: %d copies, err %v; want ErrInvalidResponse", tc.body, len(list), err)
			}
			continue
		}
		if err != nil || len(list) != tc.n {
			t.Errorf("%s: %d copies, err %v; want %d", tc.body, len(list), err, tc.n)
		}
	}
}

// A redirect to a host named after the key fails its lookup; the
// *net.DNSError that errors.As finds names the host without the key.
func TestDNSErrorNeverShowsTheKey(t *testing.T) {
	const key = "canaryDNSkey4242"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+key+".invalid/x", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := wrapper.New(wrapper.WithBaseURL(srv.URL), wrapper.WithAPIKey(key), wrapper.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.ListSharedConnections(ctx, parentID)
	var de *net.DNSError
	if !errors.As(err, &de) {
		t.Skipf("no DNS error here (err %v)", err)
	}
	if strings.Contains(de.Name+de.Server+de.Err+de.Error()+err.Error(), key) {
		t.Errorf("DNS error shows the key: Name %q, Error %q; call error %q", de.Name, de.Error(), err)
	}
	if !strings.Contains(de.Name, ".invalid") {
		t.Errorf("DNS error Name %q lost the rest of the host", de.Name)
	}
}

func TestRedact(t *testing.T) {
	const key = "sk-live-0123456789"
	b64 := "c2stbGl2ZS0wMTIzNDU2Nzg5Og==" // base64("sk-live-0123456789:")
	for _, tc := range []struct{ in, want string }{
		{"no key here", "no key here"},
		{"Bearer " + key + "!", "Bearer [redacted]!"},
		{`{"e":"\u0073k-live-0123456789"}`, `{"e":"[redacted]"}`},
		{"t=sk-live%2D0123456789", "t=[redacted]"},
		{"Basic " + b64, "Basic [redacted]"},
		{"Basic " + strings.TrimRight(b64, "="), "Basic [redacted]"},
	} {
		if got := wrapper.Redact(tc.in, key); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := wrapper.Redact("a k3y99 b", "k3y99"); got != "a k3y99 b" {
		t.Errorf("a 5-character key was redacted: %q", got)
	}
}

// A list whose redirects are refused (10 hops, or the caller's
// CheckRedirect) got an answer: ErrRedirect, not retried.
func TestRefusedRedirectIsNotRetried(t *testing.T) {
	var n int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	refuse := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("not here") }}
	for _, tc := range []struct {
		name  string
		opts  []wrapper.Option
		sends int
		says  string
	}{
		{"10 hops", nil, 10, "stopped after 10 redirects"},
		{"caller's CheckRedirect", []wrapper.Option{wrapper.WithHTTPClient(refuse)}, 1, "not here"},
	} {
		n = 0
		c := newClient(t, srv.URL, append(tc.opts, wrapper.WithRetryWaits(time.Millisecond, time.Millisecond))...)
		_, err := c.ListSharedConnections(context.Background(), parentID)
		if !errors.Is(err, wrapper.ErrRedirect) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err %v, want ErrRedirect saying %q", tc.name, err, tc.says)
		}
		mu.Lock()
		if n != tc.sends {
			t.Errorf("%s: %d requests, want %d (one attempt)", tc.name, n, tc.sends)
		}
		mu.Unlock()
	}
}

func TestRedactJSONAndVerbatim(t *testing.T) {
	const key = "partner-test-key"
	in := `{"a":"\u0070artner-test-key \u001b[31m","b":"x \"q\"\nline","n":12345678901234567890123,"partner-test-key":1}`
	out := string(wrapper.RedactJSON([]byte(in), key))
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("RedactJSON output is not JSON: %v: %s", err, out)
	}
	if strings.Contains(out, "artner-test-key") {
		t.Errorf("key left in %s", out)
	}
	if v["a"] != "[redacted] \x1b[31m" || v["b"] != "x \"q\"\nline" || v["[redacted]"] != 1.0 || !strings.Contains(out, "12345678901234567890123") {
		t.Errorf("RedactJSON = %s", out)
	}
	if got := string(wrapper.RedactJSON([]byte(`{"a":"b"}`), key)); got != `{"a":"b"}` {
		t.Errorf("RedactJSON changed a document without the key: %s", got)
	}
	esc := `"\u0070artner-test-key \u001b" partner-test-key cGFydG5lci10ZXN0LWtleTo=`
	if got, want := wrapper.RedactVerbatim(esc, key), `"\u0070artner-test-key \u001b" [redacted] [redacted]`; got != want {
		t.Errorf("RedactVerbatim = %q, want %q", got, want)
	}
}
