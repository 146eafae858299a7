package wrapper

import (
	"encoding/base64"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	p := retryPolicy{maxAttempts: 10, initial: 500 * time.Millisecond, max: 5 * time.Second}
	for n, full := range map[int]time.Duration{
		1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 4: 4 * time.Second,
		5: 5 * time.Second, 9: 5 * time.Second, 40: 5 * time.Second, 1000: 5 * time.Second,
	} {
		lo, hi := full, time.Duration(0)
		for range 200 {
			d := p.backoff(n)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < full/2 || hi > full {
			t.Errorf("backoff(%d) ranged over [%s, %s], want within [%s, %s]", n, lo, hi, full/2, full)
		}
		if lo == hi {
			t.Errorf("backoff(%d) = %s every time: no jitter", n, lo)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"0", 0, true},
		{"Sat, 01 Mar 2025 12:01:30 GMT", 90 * time.Second, true},    // IMF-fixdate
		{"Saturday, 01-Mar-25 12:00:10 GMT", 10 * time.Second, true}, // RFC 850
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true},                   // in the past: go now
		{"9999999999999", math.MaxInt64, true},                       // centuries: saturates, no overflow
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999999", math.MaxInt64, true},                // beyond a uint64: still all digits, still the longest wait
		{"99999999999999999999999999999999999999", math.MaxInt64, true}, // and no overflow however long
	} {
		h := http.Header{}
		if c.in != "" {
			h.Set("Retry-After", c.in)
		}
		got, ok := retryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	for code := 100; code < 600; code++ {
		want := code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504
		if got := retryableStatus(code, false); got != want {
			t.Errorf("retryableStatus(%d, unkeyed) = %v, want %v", code, got, want)
		}
		if got := retryableStatus(code, true); got != (want || code == 409) {
			t.Errorf("retryableStatus(%d, keyed) = %v", code, got)
		}
	}
}

// countingReader is an endless body that counts what was read from it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestReadCappedReadsAtMostCapPlusOne(t *testing.T) {
	for _, limit := range []int64{1, 100, 4096, DefaultMaxResponseBytes} {
		// Whatever the announced length (none, honest, a lie either way).
		for _, hint := range []int64{-1, 0, 10, limit, limit + 1, 1 << 40} {
			r := &countingReader{}
			_, err := readCapped(r, limit, hint)
			if !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "response too large") {
				t.Errorf("limit %d, hint %d: err = %v, want response too large", limit, hint, err)
			}
			if r.n > limit+1 {
				t.Errorf("limit %d, hint %d: read %d bytes, want at most %d", limit, hint, r.n, limit+1)
			}
		}
	}
	for _, hint := range []int64{-1, 0, 50, 100, 101, 5000} {
		b, err := readCapped(io.LimitReader(&countingReader{}, 100), 100, hint)
		if err != nil || len(b) != 100 {
			t.Errorf("hint %d: a body of exactly the cap: %d bytes, %v; want it whole", hint, len(b), err)
		}
	}
	for _, n := range []int{0, 1, 511, 512, 513, 3000} {
		want := strings.Repeat("y", n)
		for _, hint := range []int64{-1, int64(n), int64(n / 2), int64(n * 2)} {
			b, err := readCapped(iotest.OneByteReader(strings.NewReader(want)), 4096, hint)
			if err != nil || string(b) != want {
				t.Errorf("%d bytes, hint %d: got %d bytes, %v", n, hint, len(b), err)
			}
		}
	}
	if _, err := readCapped(iotest.ErrReader(io.ErrUnexpectedEOF), 100, -1); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a failing body: err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestScrub(t *testing.T) {
	const key = "sk-live-0123456789"
	bearer := newCredentials(key, "")
	if got := bearer.text(`{"error":"bad token Bearer ` + key + `"}`); got != `{"error":"bad token Bearer [redacted]"}` {
		t.Errorf("bearer scrub = %s", got)
	}
	basic := newCredentials("", key)
	b64 := base64.StdEncoding.EncodeToString([]byte(key + ":"))
	if got := basic.text("Basic " + b64 + " / " + key); got != "Basic [redacted] / [redacted]" {
		t.Errorf("basic scrub = %s", got)
	}
	// A key too short to be real is left alone rather than mangling text.
	if got := newCredentials("ab", "").text("about"); got != "about" {
		t.Errorf("short-key scrub = %s", got)
	}
}
