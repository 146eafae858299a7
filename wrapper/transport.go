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
	return nil
}

// credentialGuard is the transport under the client. It does two things
// to every request the client sends, including each redirect it follows.
//
// It keeps the credential at home: net/http already drops Authorization
// when a redirect leaves the host; the guard also drops it for a redirect
// that stays on a subdomain or downgrades https to http, so the credential
// only ever travels to the configured scheme and host.
//
// It keeps the decision to repeat a share in retry.go: net/http's Transport
// re-sends a request by itself when a reused keep-alive connection fails
// before the answer and the request looks repeatable to it, which a POST
// carrying Idempotency-Key does once its body can be rewound (GetBody).
// That hidden re-send would make one attempt two requests on the wire, so
// WithoutRetries would send a share twice. For such a request the
// transport below gets a shallow copy without GetBody, which it cannot
// repeat; the request the Client holds keeps it, so a 307 or 308 redirect
// is still followed with its body. A GET is left as it is: net/http may
// re-send it once, which is safe, and preventing that would cost every GET
// a body probe (see README, "Retries").
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
	if req.GetBody != nil && req.Method != http.MethodGet {
		once := *req // shallow: shares the header map, which nobody changes from here on
		once.GetBody = nil
		req = &once
	}
	return base.RoundTrip(req)
}
