// Package wrapper is the Go client for Polytomic's connection-sharing API.
//
// It sits on the client generated from openapi.yaml and adds what the
// generated code leaves to its caller: credentials (a Bearer API or partner
// key, or a Basic deployment key), the X-Polytomic-Version header, a
// User-Agent, and typed errors for every non-2xx answer.
//
//	c, err := wrapper.New(wrapper.WithAPIKey(os.Getenv("POLYTOMIC_API_KEY")))
//	id, err := c.CreateSharedConnection(ctx, parentID, childOrgID, wrapper.WithName("Warehouse"))
//
// A Client is safe for concurrent use.
package wrapper

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

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
}

type config struct {
	baseURL       string
	apiKey        *string
	deploymentKey *string
	version       string
	httpClient    *http.Client
	allowHTTP     bool
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
// a Bearer token. Only partner keys may create shared connections.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("wrapper: WithAPIKey: the key is empty")
		}
		c.apiKey = &key
		return nil
	}
}

// WithDeploymentKey authenticates with the deployment key of an on-premises
// install, sent as the HTTP Basic user name.
func WithDeploymentKey(key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("wrapper: WithDeploymentKey: the key is empty")
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
// requests, its Timeout and CheckRedirect apply.
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

// New builds a Client. Exactly one credential is required: WithAPIKey or
// WithDeploymentKey.
func New(opts ...Option) (*Client, error) {
	cfg := config{baseURL: DefaultBaseURL, version: DefaultAPIVersion}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	var cred credentials
	switch {
	case cfg.apiKey != nil && cfg.deploymentKey != nil:
		return nil, errors.New("wrapper: give one credential, an API key or a deployment key, not both")
	case cfg.apiKey != nil:
		cred = credentials{bearer: *cfg.apiKey}
	case cfg.deploymentKey != nil:
		cred = credentials{basicUser: *cfg.deploymentKey}
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
	hc.Transport = &authTransport{base: hc.Transport, host: base.Host, scheme: base.Scheme, cred: cred}

	gen, err := generated.NewClient(base.String(),
		generated.WithHTTPClient(&hc),
		generated.WithRequestEditorFn(stampRequest(cfg.version)),
	)
	if err != nil {
		return nil, fmt.Errorf("wrapper: %w", err)
	}
	return &Client{gen: gen, base: base, version: cfg.version}, nil
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

// checkVersion accepts API versions of the form YYYY-MM-DD.
func checkVersion(v string) error {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return fmt.Errorf("wrapper: API version %q is not a date YYYY-MM-DD", v)
	}
	for i, r := range v {
		if i != 4 && i != 7 && (r < '0' || r > '9') {
			return fmt.Errorf("wrapper: API version %q is not a date YYYY-MM-DD", v)
		}
	}
	return nil
}
