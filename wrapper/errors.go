package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/polyshare/polyshare/generated"
)

// maxExcerpt bounds the excerpt of a non-JSON error body kept in APIError.
const maxExcerpt = 512

// ErrInvalidResponse is wrapped by the error returned when a 2xx answer
// cannot be used: empty, not JSON, truncated, or missing the data it must
// carry. Such an answer is never taken as success.
var ErrInvalidResponse = errors.New("polyshare: invalid response")

// Sentinels for the common kinds of API error. An *APIError matches the one
// for its status, so errors.Is(err, ErrNotFound) holds for a 404.
var (
	ErrUnauthorized  = errors.New("polyshare: unauthorized (401)")
	ErrForbidden     = errors.New("polyshare: forbidden (403)")
	ErrNotFound      = errors.New("polyshare: not found (404)")
	ErrConflict      = errors.New("polyshare: conflict (409)")
	ErrUnprocessable = errors.New("polyshare: unprocessable (422)")
	ErrRateLimited   = errors.New("polyshare: rate limited (429)")
	// ErrServer matches every 5xx answer.
	ErrServer = errors.New("polyshare: server error (5xx)")
)

// ErrRedirect matches a list whose redirects were refused: after 10 hops,
// or by the caller's http.Client CheckRedirect. The server answered, so such
// a call is not retried. (A share follows no redirect at all: its 3xx is an
// *APIError.)
var ErrRedirect = errors.New("redirect refused")

// APIError is the error for every non-2xx answer. Use errors.As to get it,
// or errors.Is with ErrNotFound and the other sentinels.
//
// Polytomic answers a 401 with {code, context, error, status} (Unauthorized)
// and other errors with {key, message, metadata, status} (REST). Whichever
// shape came back is decoded; a body that is not JSON is kept as a short
// excerpt in Body instead.
type APIError struct {
	// Operation is the API operation, e.g. "createSharedConnection".
	Operation string
	// StatusCode is the HTTP status code.
	StatusCode int
	// REST is the decoded {key, message, metadata, status} body, if any.
	REST *generated.RESTError
	// Unauthorized is the decoded {code, context, error, status} body, if any.
	Unauthorized *generated.UnauthorizedError
	// RequestID is the server's request id (X-Request-Id), if it sent one.
	RequestID string
	// Body is an excerpt (at most 512 bytes) of a body that is not one of the
	// two JSON error shapes. A body larger than the client's cap is cut at
	// the cap, then excerpted.
	Body string
	// Attempts is how many times the request was sent; this was the last answer.
	Attempts int
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels hold for an
// APIError of the matching status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnprocessable:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// Message is the server's human-readable description of the error, or "".
func (e *APIError) Message() string {
	switch {
	case e.REST != nil && e.REST.Message != nil:
		return *e.REST.Message
	case e.Unauthorized != nil && e.Unauthorized.Error != nil:
		return *e.Unauthorized.Error
	}
	return ""
}

// Key is the machine-readable error key of a REST error body, or "".
func (e *APIError) Key() string {
	if e.REST != nil && e.REST.Key != nil {
		return *e.REST.Key
	}
	return ""
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "polyshare: %s%s: %d %s", e.Operation, attemptsNote(e.Attempts), e.StatusCode, http.StatusText(e.StatusCode))
	if m := e.Message(); m != "" {
		fmt.Fprintf(&b, ": %s", m)
	}
	if k := e.Key(); k != "" {
		fmt.Fprintf(&b, " (key %s)", k)
	}
	if e.Body != "" && e.Message() == "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// newAPIError decodes a non-2xx answer. It never fails: what cannot be
// decoded is kept as an excerpt. The body and the request id are scrubbed
// of the credential first, so no field can show it.
func newAPIError(op string, resp *http.Response, body []byte, cred *credentials) *APIError {
	body = cred.body(body)
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header, cred)}
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) == nil && probe != nil {
		_, hasError := probe["error"]
		_, hasCode := probe["code"]
		_, hasKey := probe["key"]
		_, hasMessage := probe["message"]
		switch {
		case hasKey || hasMessage:
			var r generated.RESTError
			if json.Unmarshal(body, &r) == nil {
				e.REST = &r
				return e
			}
			// A field of the wrong type: keep what a lenient read can get.
			e.REST = lenientREST(probe)
			return e
		case hasError || hasCode:
			var u generated.UnauthorizedError
			if json.Unmarshal(body, &u) == nil {
				e.Unauthorized = &u
				return e
			}
		}
	}
	e.Body = excerpt(body)
	return e
}

// lenientREST reads key and message as strings when the body as a whole
// does not match the schema (for example a status sent as a string).
func lenientREST(probe map[string]json.RawMessage) *generated.RESTError {
	var r generated.RESTError
	var s string
	if json.Unmarshal(probe["key"], &s) == nil {
		k := s
		r.Key = &k
	}
	if json.Unmarshal(probe["message"], &s) == nil {
		m := s
		r.Message = &m
	}
	return &r
}

// requestID is the server's request id, scrubbed before it is cut so that
// no part of an echoed secret survives the cut.
func requestID(h http.Header, cred *credentials) string {
	for _, k := range []string{"X-Request-Id", "X-Request-ID", "Request-Id", "X-Correlation-Id"} {
		if v := h.Get(k); v != "" {
			return excerptString(cred.text(v), 128)
		}
	}
	return ""
}

func excerpt(b []byte) string { return excerptString(string(b), maxExcerpt) }

// excerptString cuts s to at most n bytes on a rune boundary. Invalid
// UTF-8 is replaced first: a replacement character is three bytes, so
// replacing after the cut could take the excerpt past n.
func excerptString(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
