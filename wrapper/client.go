// Package wrapper is the Go client for Polytomic's connection-sharing API.
//
// It sits on the client generated from openapi.yaml and adds what the
// generated code leaves to its caller: credentials (a Bearer API or partner
// key, or a Basic deployment key), the X-Polytomic-Version header, a
// User-Agent, typed errors for every non-2xx answer, a cap on response
// bodies, and retries that can never duplicate a share: a POST is repeated
// only when it carries an Idempotency-Key (the client generates one per
// call unless told not to).
//
//	c, err := wrapper.New(wrapper.WithAPIKey(os.Getenv("POLYTOMIC_API_KEY")))
//	id, err := c.CreateSharedConnection(ctx, parentID, childOrgID, wrapper.WithName("Warehouse"))
//
// A Client is safe for concurrent use.
package wrapper

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polyshare/polyshare/generated"
)

const (
	// DefaultBaseURL is Polytomic's cloud API.
	DefaultBaseURL = "https://app.polytomic.com"
	// DefaultAPIVersion is the X-Polytomic-Version sent when none is configured.
	DefaultAPIVersion = "2024-02-08"
	// Version is this library's version, sent in the User-Agent.
	Version = "0.1.0"
)

// UserAgent is the User-Agent header every request carries.
const UserAgent = "polyshare/" + Version + " (+https://github.com/polyshare/polyshare)"

// Connection is a connection as the API returns it (generated from the spec).
type Connection = generated.Connection

// Client talks to the connection-sharing API. Build it with New.
type Client struct {
	gen     *generated.Client
	base    *url.URL
	version string
	// cred is kept to scrub the secret from anything a server echoes. It is a
	// pointer so that printing a Client with %+v shows an address, not the key.
	cred     *credentials
	retry    retryPolicy
	maxBytes int64
	logger   *slog.Logger // nil: no logging
	autoKeys bool
}

type config struct {
	baseURL       string
	apiKey        *string
	deploymentKey *string
	version       string
	httpClient    *http.Client
	allowHTTP     bool
	retry         retryPolicy
	maxBytes      int64
	logger        *slog.Logger
	noAutoKeys    bool
}

// Option configures a Client in New.
type Option func(*config) error

// WithBaseURL sets the API's base URL (default https://app.polytomic.com).
// An http:// URL is refused unless its host is loopback or WithInsecureHTTP
// is given, so that credentials never cross a network in cleartext.
func WithBaseURL(u string) Option {
	return func(c *config) error { c.baseURL = u; return nil }
}

// WithAPIKey authenticates with a Polytomic API key or partner key, sent as
// a Bearer token. Only partner keys may create shared connections. A key
// holding whitespace or a control character (a line ending copied from a
// file, say) is refused: no server could be sent it.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if err := checkKey("WithAPIKey", key); err != nil {
			return err
		}
		c.apiKey = &key
		return nil
	}
}

// WithDeploymentKey authenticates with the deployment key of an on-premises
// install, sent as the HTTP Basic user name. Like WithAPIKey it refuses a
// key holding whitespace or a control character, and also one holding ':'.
func WithDeploymentKey(key string) Option {
	return func(c *config) error {
		if err := checkKey("WithDeploymentKey", key); err != nil {
			return err
		}
		if strings.Contains(key, ":") {
			return errors.New("wrapper: WithDeploymentKey: the key must not contain ':'")
		}
		c.deploymentKey = &key
		return nil
	}
}

// WithAPIVersion sets the X-Polytomic-Version sent with every request
// (default 2024-02-08). A single call can override it with WithVersion.
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		if err := checkVersion(v); err != nil {
			return err
		}
		c.version = v
		return nil
	}
}

// WithHTTPClient makes the client send requests through hc. hc is copied,
// never modified; its Transport (or http.DefaultTransport) carries the
// requests, its CheckRedirect applies to a list (a share follows no
// redirect: see CreateSharedConnection), and its Timeout bounds each attempt
// (bound the whole call, retries included, with the context).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("wrapper: WithHTTPClient: nil client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL to a host that is not
// loopback. Credentials then travel in cleartext: use it only on networks
// you trust.
func WithInsecureHTTP() Option {
	return func(c *config) error { c.allowHTTP = true; return nil }
}

// WithMaxAttempts sets how many times one call may be sent, counting the
// first attempt (default 3, at most 10). 1 turns retries off. Only requests
// that are safe to repeat are ever sent again: a GET, or a POST that carries
// an Idempotency-Key.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxAttemptsLimit {
			return fmt.Errorf("wrapper: WithMaxAttempts: %d is not between 1 and %d", n, maxAttemptsLimit)
		}
		c.retry.maxAttempts = n
		return nil
	}
}

// WithoutRetries makes every call one attempt; same as WithMaxAttempts(1).
// A share is then sent exactly once. A list may still be re-sent once by
// net/http's Transport itself, when a reused keep-alive connection turns out
// to be closed before any answer, as it does for any Go client's GET.
func WithoutRetries() Option { return WithMaxAttempts(1) }

// WithRetryWaits sets the backoff between attempts: the first retry waits
// about initial (with jitter, between initial/2 and initial), each later one
// twice as long, and no wait, a server's Retry-After included, is longer
// than max. Defaults: 500ms and 30s.
func WithRetryWaits(initial, max time.Duration) Option {
	return func(c *config) error {
		if initial <= 0 || max < initial {
			return fmt.Errorf("wrapper: WithRetryWaits: want 0 < initial <= max, got %s and %s", initial, max)
		}
		c.retry.initial, c.retry.max = initial, max
		return nil
	}
}

// WithMaxResponseBytes caps how much of a response body is read (default
// 1 MiB). A larger answer fails the call with an error wrapping
// ErrResponseTooLarge, having read at most n+1 bytes.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("wrapper: WithMaxResponseBytes: %d is not positive", n)
		}
		c.maxBytes = n
		return nil
	}
}

// WithLogger logs every attempt at debug level: operation, method, path,
// status, attempt number and duration, and every wait before a retry.
// Headers are never logged, so credentials never reach the log.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("wrapper: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithoutIdempotencyKeys stops the client from adding an Idempotency-Key to
// CreateSharedConnection calls. Such a call is then never retried, since
// sending it twice could create two shared copies. A single call can still
// carry a key given with WithIdempotencyKey.
func WithoutIdempotencyKeys() Option {
	return func(c *config) error { c.noAutoKeys = true; return nil }
}

// New builds a Client. Exactly one credential is required: WithAPIKey or
// WithDeploymentKey.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:  DefaultBaseURL,
		version:  DefaultAPIVersion,
		retry:    defaultRetryPolicy,
		maxBytes: DefaultMaxResponseBytes,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	var cred *credentials
	switch {
	case cfg.apiKey != nil && cfg.deploymentKey != nil:
		return nil, errors.New("wrapper: give one credential, an API key or a deployment key, not both")
	case cfg.apiKey != nil:
		cred = newCredentials(*cfg.apiKey, "")
	case cfg.deploymentKey != nil:
		cred = newCredentials("", *cfg.deploymentKey)
	default:
		return nil, errors.New("wrapper: no credential: use WithAPIKey (Bearer API or partner key) or WithDeploymentKey (Basic)")
	}
	base, err := parseBaseURL(cfg.baseURL, cfg.allowHTTP)
	if err != nil {
		return nil, err
	}

	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient // a copy: the caller's client is never changed
	}
	hc.Transport = &credentialGuard{base: hc.Transport, scheme: base.Scheme, host: base.Host}
	hc.CheckRedirect = shareStaysPut(hc.CheckRedirect)
	st := &stamp{scheme: base.Scheme, host: base.Host, authz: cred.header(), version: cfg.version}

	gen, err := generated.NewClient(base.String(),
		generated.WithHTTPClient(&hc),
		generated.WithRequestEditorFn(st.edit),
	)
	if err != nil {
		return nil, fmt.Errorf("wrapper: %w", err)
	}
	return &Client{
		gen:      gen,
		base:     base,
		version:  cfg.version,
		cred:     cred,
		retry:    cfg.retry,
		maxBytes: cfg.maxBytes,
		logger:   cfg.logger,
		autoKeys: !cfg.noAutoKeys,
	}, nil
}

// parseBaseURL checks the base URL: absolute http(s), no user info, no query,
// and cleartext only to loopback unless allowed.
func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("wrapper: base URL %q is not an absolute http(s) URL", redactURL(raw))
	}
	if u.User != nil {
		return nil, errors.New("wrapper: base URL must not carry user info; use WithAPIKey or WithDeploymentKey")
	}
	if p := u.Port(); p != "" {
		// url.Parse checks only that a port is digits; a dial would fail,
		// and be retried as a network error.
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("wrapper: base URL %q has port %s, not between 1 and 65535", redactURL(raw), p)
		}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("wrapper: base URL %q must not have a query or fragment", redactURL(raw))
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("wrapper: refusing to send credentials in cleartext to %s: use https, or WithInsecureHTTP to allow it", u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// redactURL drops anything that could carry a secret from a URL shown in an error.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkVersion accepts API versions that are calendar dates, YYYY-MM-DD.
func checkVersion(v string) error {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return fmt.Errorf("wrapper: API version %q is not a date YYYY-MM-DD", v)
	}
	return nil
}

// checkKey refuses a key that is empty or holds whitespace or a control
// character. Such a key cannot travel in a header: net/http would refuse
// every request, which looks like a network failure and is retried. The
// error names the character's kind and position, never the key.
func checkKey(option, key string) error {
	if strings.TrimSpace(key) == "" {
		return fmt.Errorf("wrapper: %s: the key is empty", option)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("wrapper: %s: the key is not valid UTF-8", option)
	}
	for i, r := range []rune(key) {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("wrapper: %s: the key holds whitespace or a control character (%s at character %d of %d); "+
				"keys have none: was a line ending copied with it?", option, runeKind(r), i+1, utf8.RuneCountInString(key))
		}
	}
	return nil
}

// runeKind describes a whitespace or control character without quoting the key.
func runeKind(r rune) string {
	switch r {
	case '\n':
		return "a line feed"
	case '\r':
		return "a carriage return"
	case '\t':
		return "a tab"
	case ' ':
		return "a space"
	}
	return fmt.Sprintf("U+%04X", r)
}

// shareStaysPut is the client's redirect policy: a list follows redirects as
// next would (net/http's default when nil); a share follows none, and its
// 3xx answer is returned as the *APIError it is. Polytomic's API does not
// redirect; a redirect answering a share comes from a misconfigured base URL
// or a proxy, and following it would either send the share again (307, 308:
// up to ten times for one attempt, keyed or not) or turn it into a GET to
// wherever the Location points (301, 302, 303).
func shareStaysPut(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if via[0].Method != http.MethodGet {
			return http.ErrUseLastResponse
		}
		var err error
		switch {
		case next != nil:
			err = next(req, via)
		case len(via) >= 10:
			err = errors.New("stopped after 10 redirects")
		}
		if err != nil && !errors.Is(err, http.ErrUseLastResponse) {
			return fmt.Errorf("%w: %w", ErrRedirect, err)
		}
		return err
	}
}
