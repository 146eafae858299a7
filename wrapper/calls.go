package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/generated"
)

// Operation names, as in openapi.yaml; they appear in errors.
const (
	OpCreateSharedConnection = "createSharedConnection"
	OpListSharedConnections  = "listSharedConnections"
)

// DefaultMaxResponseBytes caps how much of a response body is read; see
// WithMaxResponseBytes.
const DefaultMaxResponseBytes = 1 << 20

// ErrResponseTooLarge is wrapped by the error returned when a response body
// is larger than the client's cap.
var ErrResponseTooLarge = errors.New("polyshare: response too large")

// ErrInvalidArgument is wrapped by the error a call returns, before sending
// anything, when one of its arguments or options is invalid.
var ErrInvalidArgument = errors.New("polyshare: invalid argument")

// CallOption configures one call.
type CallOption func(*callConfig) error

type callConfig struct {
	name    *string
	version string
	key     string
	noKey   bool
}

// WithName names the shared copy (CreateSharedConnection only). Without it
// the copy takes the parent connection's name.
func WithName(name string) CallOption {
	return func(c *callConfig) error { c.name = &name; return nil }
}

// WithVersion overrides the client's X-Polytomic-Version for one call.
func WithVersion(v string) CallOption {
	return func(c *callConfig) error {
		if err := checkVersion(v); err != nil {
			return err
		}
		c.version = v
		return nil
	}
}

// WithIdempotencyKey sends key as the Idempotency-Key of a
// CreateSharedConnection call, instead of a generated one. Polytomic answers
// every request with the same key as it answered the first, so a caller that
// repeats a share (after a crash, say) with the same key gets the first
// share back instead of a second one. A key is 8 to 255 letters, digits, '-'
// or '_'; any other is an error before anything is sent.
func WithIdempotencyKey(key string) CallOption {
	return func(c *callConfig) error {
		if err := CheckIdempotencyKey(key); err != nil {
			return err
		}
		c.key = key
		return nil
	}
}

// WithoutIdempotencyKey sends a CreateSharedConnection call without an
// Idempotency-Key; the call is then sent once and never retried.
func WithoutIdempotencyKey() CallOption {
	return func(c *callConfig) error { c.noKey = true; return nil }
}

// CheckIdempotencyKey reports whether key is a valid Idempotency-Key: 8 to
// 255 letters, digits, '-' or '_'.
func CheckIdempotencyKey(key string) error {
	if len(key) < 8 || len(key) > 255 {
		return fmt.Errorf("idempotency key has %d characters, want 8 to 255", len(key))
	}
	for _, r := range key {
		if !isKeyChar(r) {
			return errors.New("idempotency key may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

// isKeyChar reports whether r may appear in an Idempotency-Key.
func isKeyChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func (c *Client) callConfig(op string, opts []CallOption) (callConfig, []generated.RequestEditorFn, error) {
	var cc callConfig
	for _, o := range opts {
		if err := o(&cc); err != nil {
			return cc, nil, argError(op, "%v", err)
		}
	}
	if cc.key != "" && cc.noKey {
		return cc, nil, argError(op, "WithIdempotencyKey and WithoutIdempotencyKey both given")
	}
	if op != OpCreateSharedConnection && (cc.key != "" || cc.noKey) {
		// GET is idempotent already; Polytomic asks that it carry no key.
		return cc, nil, argError(op, "only createSharedConnection takes an idempotency key")
	}
	var editors []generated.RequestEditorFn
	if cc.version != "" {
		v := cc.version
		editors = append(editors, func(_ context.Context, r *http.Request) error {
			r.Header.Set("X-Polytomic-Version", v)
			return nil
		})
	}
	return cc, editors, nil
}

// CreateSharedConnection shares the parent connection into the child
// organisation and returns the id of the new shared copy. It needs a partner
// key (or, on-premises, the deployment key).
//
// The call carries an Idempotency-Key, generated for it (a random v4 UUID)
// unless given with WithIdempotencyKey, and the same key and body are sent
// on every attempt, so a retry can never create a second copy. Without a key
// (WithoutIdempotencyKey, WithoutIdempotencyKeys) the call is never retried.
//
// A share follows no redirect: a 3xx answer is returned as the *APIError it
// is, so a redirect can neither send the share again nor turn it into a GET.
//
// A non-2xx answer is returned as *APIError; a 2xx answer without a usable
// id as an error wrapping ErrInvalidResponse.
func (c *Client) CreateSharedConnection(ctx context.Context, parent, child uuid.UUID, opts ...CallOption) (uuid.UUID, error) {
	id, err := c.createSharedConnection(ctx, parent, child, opts)
	return id, c.cred.seal(err) // the last word on every error: no credential in it
}

func (c *Client) createSharedConnection(ctx context.Context, parent, child uuid.UUID, opts []CallOption) (uuid.UUID, error) {
	const op = OpCreateSharedConnection
	if err := checkID(op, "parent connection id", parent); err != nil {
		return uuid.Nil, err
	}
	if err := checkID(op, "child organization id", child); err != nil {
		return uuid.Nil, err
	}
	cc, editors, err := c.callConfig(op, opts)
	if err != nil {
		return uuid.Nil, err
	}
	// Encoded once: every attempt re-sends exactly these bytes.
	buf, err := json.Marshal(generated.ShareConnectionRequest{ChildOrganizationId: child, Name: cc.name})
	if err != nil {
		return uuid.Nil, fmt.Errorf("polyshare: %s: %w", op, err)
	}
	key := cc.key
	if key == "" && !cc.noKey && c.autoKeys {
		k, err := uuid.NewRandom()
		if err != nil {
			return uuid.Nil, fmt.Errorf("polyshare: %s: generating an idempotency key: %w", op, err)
		}
		key = k.String()
	}
	// Headers are set by request editors, not through the generated params:
	// the version and credential are set in one place (the client's editor),
	// and the key travels the same way. In the common case the key's editor
	// is the only per-call one, passed alone rather than in a slice.
	var keyEditor generated.RequestEditorFn
	if key != "" {
		keyEditor = func(_ context.Context, r *http.Request) error {
			r.Header.Set("Idempotency-Key", key)
			return nil
		}
		if len(editors) > 0 {
			editors, keyEditor = append(editors, keyEditor), nil
		}
	}
	resp, body, err := c.do(ctx, exchange{
		op: op, method: http.MethodPost, parent: parent, suffix: "/share",
		repeatable: key != "", keyed: key != "",
		send: func(ctx context.Context) (*http.Response, error) {
			if keyEditor != nil {
				return c.gen.CreateSharedConnectionWithBody(ctx, parent, nil, "application/json", bytes.NewReader(buf), keyEditor)
			}
			return c.gen.CreateSharedConnectionWithBody(ctx, parent, nil, "application/json", bytes.NewReader(buf), editors...)
		},
	})
	if err != nil {
		return uuid.Nil, err
	}
	var env generated.SharedConnectionEnvelope
	if err := decode200(op, resp, body, &env); err != nil {
		return uuid.Nil, err
	}
	if env.Data.Id == uuid.Nil {
		return uuid.Nil, invalid(op, "answer lacks data.id")
	}
	return env.Data.Id, nil
}

// ListSharedConnections returns the shared copies of the parent connection.
// It is retried as the client's policy allows (a GET is safe to repeat).
func (c *Client) ListSharedConnections(ctx context.Context, parent uuid.UUID, opts ...CallOption) ([]Connection, error) {
	list, err := c.listSharedConnections(ctx, parent, opts)
	return list, c.cred.seal(err) // the last word on every error: no credential in it
}

func (c *Client) listSharedConnections(ctx context.Context, parent uuid.UUID, opts []CallOption) ([]Connection, error) {
	const op = OpListSharedConnections
	if err := checkID(op, "parent connection id", parent); err != nil {
		return nil, err
	}
	_, editors, err := c.callConfig(op, opts)
	if err != nil {
		return nil, err
	}
	resp, body, err := c.do(ctx, exchange{
		op: op, method: http.MethodGet, parent: parent, suffix: "/shared",
		repeatable: true,
		send: func(ctx context.Context) (*http.Response, error) {
			return c.gen.ListSharedConnections(ctx, parent, nil, editors...)
		},
	})
	if err != nil {
		return nil, err
	}
	var env generated.ConnectionListEnvelope
	if err := decode200(op, resp, body, &env); err != nil {
		return nil, err
	}
	if env.Data == nil {
		return nil, invalid(op, "answer lacks data")
	}
	for i, conn := range env.Data {
		// A null element decodes to an empty Connection, as {} does; the
		// spec allows {} (every field optional) but not null. Only an empty
		// element is looked at again, so a normal answer is decoded once.
		if conn == (Connection{}) && isNullElement(body, i) {
			return nil, invalid(op, "answer's data[%d] is null, not a connection", i)
		}
	}
	return env.Data, nil
}

// isNullElement reports whether element i of the "data" array of the JSON
// body is null.
func isNullElement(body []byte, i int) bool {
	var raw struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &raw) != nil || i >= len(raw.Data) {
		return false
	}
	return string(bytes.TrimSpace(raw.Data[i])) == "null"
}

// decode200 decodes the body of a 200 into one of the generated envelope
// types. The body has already been read through the cap; it is decoded once.
func decode200(op string, resp *http.Response, body []byte, v any) error {
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		return invalid(op, "answer is not a JSON body (Content-Type %q)", ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return bodyError(op, err)
	}
	return nil
}

// transportError reports a call that got no usable answer: the connection
// failed, the body could not be read, or the context ended.
func transportError(op string, attempts int, err error) error {
	return fmt.Errorf("polyshare: %s%s: %w", op, attemptsNote(attempts), err)
}

func attemptsNote(n int) string {
	if n > 1 {
		return fmt.Sprintf(" (attempt %d)", n)
	}
	return ""
}

// checkID refuses an id the API would refuse: the nil UUID, and any UUID
// that is not RFC 9562 (version 1 to 8, variant 10xx), which the spec's
// uuid format excludes; the max UUID among them, which names nothing.
func checkID(op, what string, id uuid.UUID) error {
	if id == uuid.Nil {
		return argError(op, "%s is the nil UUID", what)
	}
	if v := id.Version(); v < 1 || v > 8 || id.Variant() != uuid.RFC4122 {
		return argError(op, "%s %s is not an RFC 9562 UUID (version %d, %s; want version 1 to 8, RFC 9562 variant)", what, id, v, id.Variant())
	}
	return nil
}

func argError(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidArgument, op, fmt.Sprintf(format, args...))
}

// bodyError reports a 200 whose body could not be decoded.
func bodyError(op string, err error) error {
	if strings.Contains(err.Error(), "unexpected end of JSON") || strings.Contains(err.Error(), "EOF") {
		return fmt.Errorf("%w: %s: answer body is empty or truncated", ErrInvalidResponse, op)
	}
	return fmt.Errorf("%w: %s: answer body is not valid JSON for the spec", ErrInvalidResponse, op)
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidResponse, op, fmt.Sprintf(format, args...))
}
