package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/polyshare/polyshare/wrapper"
)

// fuzzCap is a small response cap, so the fuzzer reaches the too-large path.
const fuzzCap = 4096

// answer is a RoundTripper that returns one synthesized response to every
// request: arbitrary status, headers and body, no network.
type answer struct {
	status                   int
	ctype, retryAfter, reqID string
	body                     []byte
}

func (a answer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := http.Header{}
	for k, v := range map[string]string{"Content-Type": a.ctype, "Retry-After": a.retryAfter, "X-Request-Id": a.reqID} {
		if v != "" {
			h[k] = []string{v}
		}
	}
	return &http.Response{
		StatusCode: a.status, Status: fmt.Sprint(a.status), Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(a.body)), ContentLength: -1,
	}, nil
}

// FuzzResponseDecoding sends any status, Content-Type, Retry-After, request
// id and body through the whole response path of both operations (retry
// loop with instant waits, cap, error decoding, generated parser, checks)
// and holds it to its promises: no panic; success only on a 200 with usable
// data; every non-2xx an *APIError with that status and a short excerpt,
// however large its body; oversized 2xx bodies refused; the credential
// never in the error.
func FuzzResponseDecoding(f *testing.F) {
	f.Add(uint16(200), "application/json", "", "", []byte(`{"data":{"id":"11111111-2222-4333-8444-555555555555"}}`), true)
	f.Add(uint16(200), "application/json", "", "", []byte(`{"data":[{"id":"11111111-2222-4333-8444-555555555555"}]}`), false)
	f.Add(uint16(200), "application/json", "", "", []byte(`{"data":{}}`), true)
	f.Add(uint16(200), "application/json", "", "", []byte(`{"data":{"id":"1111`), true)
	f.Add(uint16(200), "text/plain", "", "", []byte(`{"data":[]}`), false)
	f.Add(uint16(201), "application/json", "", "", []byte(`{}`), true)
	f.Add(uint16(401), "application/json", "", "req-1", []byte(`{"code":401,"error":"Bearer `+fmCanary+`","status":"Unauthorized"}`), false)
	f.Add(uint16(404), "application/json", "", "", []byte(`{"key":"not_found","message":"no","status":"404"}`), true)
	f.Add(uint16(422), "application/json", "", "", []byte(`{"key":1,"message":["x"]}`), true)
	f.Add(uint16(429), "application/json", "1", "", []byte(`{"message":"slow \u0063anary"}`), false)
	f.Add(uint16(503), "", "Wed, 21 Oct 2015 07:28:00 GMT", "", []byte("down"), true)
	f.Add(uint16(502), "text/html", "", "", []byte("<html>"+strings.Repeat("é", 600)+"</html>"), false)
	f.Add(uint16(500), "application/json", "-5", fmCanary, bytes.Repeat([]byte("x"), fuzzCap+1), true)
	f.Add(uint16(409), "application/json; charset=utf-8", "99999999999999999999", "", []byte("null"), true)

	f.Fuzz(func(t *testing.T, rawStatus uint16, ctype, retryAfter, reqID string, body []byte, post bool) {
		status := 200 + int(rawStatus)%400 // 200..599: 1xx and odd codes are net/http's business
		c, err := wrapper.New(wrapper.WithBaseURL("http://127.0.0.1:9"), wrapper.WithAPIKey(fmCanary),
			wrapper.WithHTTPClient(&http.Client{Transport: answer{status, ctype, retryAfter, reqID, body}}),
			wrapper.WithMaxAttempts(2), wrapper.WithRetryWaits(time.Nanosecond, time.Nanosecond),
			wrapper.WithMaxResponseBytes(fuzzCap))
		if err != nil {
			t.Fatal(err)
		}
		// Nothing here waits on a network or a clock worth speaking of: a call
		// still running after 5s is a hang, and a finding.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if post {
			_, err = c.CreateSharedConnection(ctx, fmParent, fmChild)
		} else {
			_, err = c.ListSharedConnections(ctx, fmParent)
		}

		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("status %d, Retry-After %q: the call hung: %v", status, retryAfter, err)
		}
		if err == nil {
			if status != 200 {
				t.Fatalf("status %d taken as success", status)
			}
			return
		}
		if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, fmCanary) {
			t.Fatalf("credential in the error: %s", msg)
		}
		if len(body) > fuzzCap && status < 300 {
			if !errors.Is(err, wrapper.ErrResponseTooLarge) {
				t.Fatalf("%d-byte body over the %d cap: err = %v", len(body), fuzzCap, err)
			}
			return
		}
		var e *wrapper.APIError
		isAPI := errors.As(err, &e)
		switch {
		case status >= 300:
			if !isAPI || e.StatusCode != status {
				t.Fatalf("status %d: err = %v, want an *APIError with that status", status, err)
			}
			if len(e.Body) > 512 || e.Attempts < 1 || e.Attempts > 2 {
				t.Fatalf("excerpt of %d bytes, %d attempts", len(e.Body), e.Attempts)
			}
		default:
			if isAPI || !errors.Is(err, wrapper.ErrInvalidResponse) {
				t.Fatalf("status %d: err = %v, want ErrInvalidResponse", status, err)
			}
		}
	})
}
