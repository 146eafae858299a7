package wrapper

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// DefaultMaxResponseBytes caps how much of a response body is read.
const DefaultMaxResponseBytes = 1 << 20

// ErrResponseTooLarge is wrapped by the error returned when a response body
// is larger than the client's cap.
var ErrResponseTooLarge = errors.New("polyshare: response too large")

// CallOption configures one call.
type CallOption func(*callConfig) error

type callConfig struct {
	name    *string
	version string
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

func (c *Client) callConfig(opts []CallOption) (callConfig, []generated.RequestEditorFn, error) {
	var cc callConfig
	for _, o := range opts {
		if err := o(&cc); err != nil {
			return cc, nil, err
		}
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
// A non-2xx answer is returned as *APIError; a 2xx answer without a usable
// id as an error wrapping ErrInvalidResponse.
func (c *Client) CreateSharedConnection(ctx context.Context, parent, child uuid.UUID, opts ...CallOption) (uuid.UUID, error) {
	const op = OpCreateSharedConnection
	if parent == uuid.Nil {
		return uuid.Nil, fmt.Errorf("polyshare: %s: parent connection id is the nil UUID", op)
	}
	if child == uuid.Nil {
		return uuid.Nil, fmt.Errorf("polyshare: %s: child organization id is the nil UUID", op)
	}
	cc, editors, err := c.callConfig(opts)
	if err != nil {
		return uuid.Nil, err
	}
	body := generated.ShareConnectionRequest{ChildOrganizationId: child, Name: cc.name}
	resp, err := c.gen.CreateSharedConnection(ctx, parent, nil, body, editors...)
	if err != nil {
		return uuid.Nil, transportError(op, err)
	}
	if err := c.checkStatus(op, resp); err != nil {
		return uuid.Nil, err
	}
	parsed, err := generated.ParseCreateSharedConnectionResponse(resp)
	if err != nil {
		return uuid.Nil, bodyError(op, err)
	}
	if parsed.JSON200 == nil {
		return uuid.Nil, invalid(op, "answer is not a JSON body (Content-Type %q)", parsed.ContentType())
	}
	if parsed.JSON200.Data.Id == uuid.Nil {
		return uuid.Nil, invalid(op, "answer lacks data.id")
	}
	return parsed.JSON200.Data.Id, nil
}

// ListSharedConnections returns the shared copies of the parent connection.
func (c *Client) ListSharedConnections(ctx context.Context, parent uuid.UUID, opts ...CallOption) ([]Connection, error) {
	const op = OpListSharedConnections
	if parent == uuid.Nil {
		return nil, fmt.Errorf("polyshare: %s: parent connection id is the nil UUID", op)
	}
	_, editors, err := c.callConfig(opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.gen.ListSharedConnections(ctx, parent, nil, editors...)
	if err != nil {
		return nil, transportError(op, err)
	}
	if err := c.checkStatus(op, resp); err != nil {
		return nil, err
	}
	parsed, err := generated.ParseListSharedConnectionsResponse(resp)
	if err != nil {
		return nil, bodyError(op, err)
	}
	if parsed.JSON200 == nil {
		return nil, invalid(op, "answer is not a JSON body (Content-Type %q)", parsed.ContentType())
	}
	if parsed.JSON200.Data == nil {
		return nil, invalid(op, "answer lacks data")
	}
	return parsed.JSON200.Data, nil
}

// checkStatus caps the response body and turns anything but 200 into an
// error. On a non-200 it reads and closes the body.
func (c *Client) checkStatus(op string, resp *http.Response) error {
	resp.Body = &cappedBody{rc: resp.Body, left: DefaultMaxResponseBytes}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if errors.Is(err, ErrResponseTooLarge) {
		return fmt.Errorf("polyshare: %s: %d %s: %w", op, resp.StatusCode, http.StatusText(resp.StatusCode), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return invalid(op, "unexpected status %d", resp.StatusCode)
	}
	return newAPIError(op, resp, b)
}

func transportError(op string, err error) error {
	return fmt.Errorf("polyshare: %s: %w", op, err)
}

// bodyError reports a 200 whose body could not be read or decoded.
func bodyError(op string, err error) error {
	if errors.Is(err, ErrResponseTooLarge) {
		return fmt.Errorf("polyshare: %s: %w", op, err)
	}
	if strings.Contains(err.Error(), "unexpected end of JSON") || strings.Contains(err.Error(), "EOF") {
		return fmt.Errorf("%w: %s: answer body is empty or truncated", ErrInvalidResponse, op)
	}
	return fmt.Errorf("%w: %s: answer body is not valid JSON for the spec", ErrInvalidResponse, op)
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidResponse, op, fmt.Sprintf(format, args...))
}

// cappedBody fails with ErrResponseTooLarge once more than left bytes have
// been read, having read at most one byte past the cap.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, ErrResponseTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
