package wrapper

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Retry defaults; see WithMaxAttempts and WithRetryWaits.
const (
	DefaultMaxAttempts      = 3
	DefaultRetryInitialWait = 500 * time.Millisecond
	DefaultRetryMaxWait     = 30 * time.Second

	maxAttemptsLimit = 10
)

// retryPolicy says how often and how patiently a call is repeated.
type retryPolicy struct {
	maxAttempts int           // counting the first; 1 means no retries
	initial     time.Duration // the first backoff, before jitter
	max         time.Duration // no wait is longer, Retry-After included
}

var defaultRetryPolicy = retryPolicy{
	maxAttempts: DefaultMaxAttempts,
	initial:     DefaultRetryInitialWait,
	max:         DefaultRetryMaxWait,
}

// backoff is the wait before retry number n (1 for the first retry):
// initial doubled n-1 times, capped at max, of which a random upper half is
// taken so that many clients failing together do not retry together.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.max
	if n-1 < 32 {
		if e := p.initial << (n - 1); e > 0 && e < p.max {
			d = e
		}
	}
	half := d / 2
	return d - half + rand.N(half+1)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
// ok is false when the header is absent or unreadable.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Out of range for a uint64 is all digits and still a wait: the
		// longest, which the caller caps.
		if err != nil || secs > uint64(math.MaxInt64/int64(time.Second)) {
			return math.MaxInt64, true // centuries: beyond any cap, and no overflow
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryableStatus lists the answers worth asking again: a timeout, a rate
// limit, a server or gateway failure, and 409, which Polytomic sends while a
// request with the same Idempotency-Key is still being handled.
func retryableStatus(code int, keyed bool) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusConflict:
		return keyed
	}
	return false
}

// retryableError says whether a failed exchange may succeed when repeated.
// A refused or reset connection may; a certificate the client does not
// trust, an oversized answer or the caller's own cancellation will not.
func retryableError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrResponseTooLarge), errors.Is(err, ErrRedirect),
		errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr):
		return false
	}
	return true
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// exchange is one logical call. Every attempt sends the same request: send
// builds it from values fixed before the first attempt (the encoded body,
// the Idempotency-Key), so repeats are byte-for-byte identical.
type exchange struct {
	op, method string
	// parent and suffix make the path, built only when a logger wants it.
	parent uuid.UUID
	suffix string
	// repeatable: sending the request twice cannot do anything twice (a GET,
	// or a POST carrying an Idempotency-Key).
	repeatable bool
	keyed      bool
	send       func(context.Context) (*http.Response, error)
}

// do runs the exchange, retrying what the policy allows, and returns a 200
// response with its body, read (through the cap) and closed. Every
// other outcome is an error: *APIError for a non-2xx answer (its body cut at
// the cap if larger), an error wrapping ErrInvalidResponse for another 2xx,
// ErrResponseTooLarge for a 2xx over the cap, or the transport's error.
// This is the only place a request is repeated.
func (c *Client) do(ctx context.Context, x exchange) (*http.Response, []byte, error) {
	attempts := 1
	if x.repeatable {
		attempts = c.retry.maxAttempts
	}
	for n := 1; ; n++ {
		start := time.Now()
		resp, body, err := c.attempt(ctx, x)
		c.logAttempt(ctx, x, n, resp, err, time.Since(start))

		var final error
		retry := false
		wait, fromServer := time.Duration(0), false
		switch {
		case err != nil:
			final = transportError(x.op, n, err)
			retry = retryableError(err) && ctx.Err() == nil
		case resp.StatusCode == http.StatusOK:
			return resp, body, nil
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return nil, nil, invalid(x.op, "unexpected status %d", resp.StatusCode)
		default:
			e := newAPIError(x.op, resp, body, c.cred)
			e.Attempts = n
			final = e
			retry = retryableStatus(resp.StatusCode, x.keyed)
			wait, fromServer = retryAfter(resp.Header, time.Now())
		}
		if !retry || n >= attempts {
			return nil, nil, final
		}
		if !fromServer {
			wait = c.retry.backoff(n)
		}
		wait = min(wait, c.retry.max)
		if c.logger != nil {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "polyshare retry",
				slog.String("op", x.op), slog.Int("next_attempt", n+1), slog.Duration("wait", wait),
				slog.Bool("retry_after", fromServer))
		}
		if werr := sleep(ctx, wait); werr != nil {
			return nil, nil, fmt.Errorf("%w (stopped waiting %s before attempt %d: %w)", final, wait, n+1, werr)
		}
	}
}

// attempt sends the request once and reads the whole body through the cap,
// then closes it: a response to be retried is thereby drained and closed,
// and an oversized one is closed after at most cap+1 bytes. An error
// answer over the cap is still an answer: its body is cut at the cap, to be
// excerpted in the *APIError. Its errors are sealed (scrub.go), so that
// neither the log nor the errors wrapping them can show the credential.
func (c *Client) attempt(ctx context.Context, x exchange) (*http.Response, []byte, error) {
	resp, err := x.send(ctx)
	if err != nil {
		return nil, nil, c.cred.seal(err)
	}
	body, err := readCapped(resp.Body, c.maxBytes, resp.ContentLength)
	_ = resp.Body.Close() // read to the end or past the cap: a close error changes nothing
	if errors.Is(err, ErrResponseTooLarge) {
		if resp.StatusCode >= 300 {
			return resp, c.cred.trimPartial(body[:c.maxBytes]), nil
		}
		return resp, nil, fmt.Errorf("%d %s: %w", resp.StatusCode, http.StatusText(resp.StatusCode), err)
	}
	if err != nil {
		return resp, nil, c.cred.seal(fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err))
	}
	return resp, body, nil
}

// readCapped reads r to the end, but never more than limit+1 bytes: one
// byte past the limit proves the body too large. Then it returns what it
// read with an error wrapping ErrResponseTooLarge. hint is the announced
// length (Content-Length), or -1: a body no longer than announced is read
// into one allocation.
func readCapped(r io.Reader, limit, hint int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 && hint < limit {
		size = hint + 1 // room for the read that finds the end
	}
	b := make([]byte, 0, min(size, limit+1))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow, as io.ReadAll does
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit+1)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return b, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// logAttempt records one attempt. Only the method, path, status, attempt
// number, duration and error text are logged, never headers.
func (c *Client) logAttempt(ctx context.Context, x exchange, n int, resp *http.Response, err error, d time.Duration) {
	if c.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", x.op), slog.String("method", x.method),
		slog.String("path", c.base.Path+"/api/connections/"+x.parent.String()+x.suffix),
		slog.Int("attempt", n), slog.Duration("duration", d),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "polyshare request", attrs...)
}
