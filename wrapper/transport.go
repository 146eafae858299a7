package wrapper

import (
	"context"
	"encoding/base64"
	"net/http"
)

// credentials holds the one credential a Client sends, and the spellings
// it is scrubbed in (see scrub.go). Its String method never shows the
// secret, so a stray %v cannot leak it.
type credentials struct {
	bearer    string
	basicUser string
	forms     []string
}

func (credentials) String() string   { return "[credentials redacted]" }
func (credentials) GoString() string { return "[credentials redacted]" }

// header is the Authorization value for the credential.
func (c credentials) header() string {
	if c.bearer != "" {
		return "Bearer " + c.bearer
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.basicUser+":"))
}

// stamp is the request editor applied to every request the generated client
// builds: it sets the credential, the client's API version (exactly one
// header) and the User-Agent, in one place. The credential goes only to the
// configured scheme and host.
//
// It also keeps the decision to repeat a share in retry.go. net/http's
// Transport re-sends a request by itself when a reused keep-alive
// connection fails before the answer and the request looks repeatable to
// it, which a POST carrying Idempotency-Key does when its body can be
// rewound (GetBody). That hidden re-send would make one attempt two
// requests on the wire, so that WithoutRetries sent a share twice. So a
// request with a body loses GetBody: each attempt sends it once (a share
// follows no redirect, which is the other use of GetBody; see
// shareStaysPut). A GET is left as it is: net/http may re-send it once,
// which is safe, and preventing that would cost every GET a body probe.
type stamp struct {
	scheme, host string
	authz        string // the Authorization value, built once
	version      string
}

func (s *stamp) edit(_ context.Context, req *http.Request) error {
	h := req.Header
	h.Set("X-Polytomic-Version", s.version)
	h.Set("User-Agent", UserAgent)
	if req.URL.Scheme == s.scheme && req.URL.Host == s.host {
		h.Set("Authorization", s.authz)
	}
	req.GetBody = nil
	return nil
}

// credentialGuard is the transport under the client. net/http already drops
// Authorization when a redirect leaves the host; the guard also drops it for
// a redirect that stays on a subdomain or downgrades https to http, so the
// credential only ever travels to the configured scheme and host.
type credentialGuard struct {
	base         http.RoundTripper
	scheme, host string
}

func (t *credentialGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if (req.URL.Scheme != t.scheme || req.URL.Host != t.host) && req.Header.Get("Authorization") != "" {
		req = req.Clone(req.Context()) // a RoundTripper must not modify its request
		req.Header.Del("Authorization")
	}
	return base.RoundTrip(req)
}
