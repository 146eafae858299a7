package wrapper

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
)

// credentials holds the one credential a Client sends. Its String method
// never shows the secret, so a stray %v cannot leak it.
type credentials struct {
	bearer    string
	basicUser string
}

func (credentials) String() string   { return "[credentials redacted]" }
func (credentials) GoString() string { return "[credentials redacted]" }

func (c credentials) apply(h http.Header) {
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
		return
	}
	r := &http.Request{Header: h}
	r.SetBasicAuth(c.basicUser, "")
}

// minScrubLen keeps scrub from mangling messages around a very short key,
// which no real credential is.
const minScrubLen = 6

// scrub replaces the secret, raw or in its Basic base64 form, wherever it
// occurs in b. A server (or proxy) that echoes the request's Authorization
// header in an error body must not thereby put the key into our errors.
func (c credentials) scrub(b []byte) []byte {
	secret := c.bearer
	if secret == "" {
		secret = c.basicUser
	}
	if len(secret) < minScrubLen {
		return b
	}
	redacted := []byte("[redacted]")
	b = bytes.ReplaceAll(b, []byte(secret), redacted)
	if c.basicUser != "" {
		b = bytes.ReplaceAll(b, []byte(base64.StdEncoding.EncodeToString([]byte(c.basicUser+":"))), redacted)
	}
	return b
}

func (c credentials) scrubString(s string) string { return string(c.scrub([]byte(s))) }

// authTransport adds the credential to requests for the configured host
// only. A RoundTripper runs again for every redirect hop; checking the
// host here keeps net/http's rule that credentials do not follow a redirect
// to another host.
type authTransport struct {
	base   http.RoundTripper
	scheme string
	host   string
	cred   credentials
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		return base.RoundTrip(req)
	}
	r := req.Clone(req.Context()) // a RoundTripper must not modify its request
	t.cred.apply(r.Header)
	return base.RoundTrip(r)
}

// stampRequest is the request editor applied to every request: it sets the
// client's API version (exactly one header) and the User-Agent.
func stampRequest(version string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Polytomic-Version", version)
		req.Header.Set("User-Agent", UserAgent)
		return nil
	}
}
