package fake

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultRequestLogSize is how many requests the log keeps unless
// WithRequestLogSize says otherwise: the log is a ring, so a long load run
// keeps the newest entries and memory stays bounded.
const DefaultRequestLogSize = 1000

// maxLoggedBody is how much of a request body a log entry keeps.
const maxLoggedBody = 64 << 10

// redacted replaces credentials in logged headers.
const redacted = "[REDACTED]"

// RequestRecord is one request the fake received, as the request log keeps it.
type RequestRecord struct {
	// Time is when the request arrived, by the server's clock (WithClock).
	Time time.Time `json:"time"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the request path as sent (still escaped), with the query.
	Path string `json:"path"`
	// Operation is the spec's operation id, empty for unknown routes.
	Operation string `json:"operation,omitempty"`
	// Header holds the request headers with credentials redacted
	// (Authorization keeps only its scheme).
	Header http.Header `json:"headers"`
	// Body is the request body, cut at 64 KiB (see BodyTruncated).
	Body []byte `json:"-"`
	// BodyTruncated is set when Body was cut at 64 KiB.
	BodyTruncated bool `json:"body_truncated,omitempty"`
	// Status is the status of the answer; 0 when the connection was
	// dropped before one was sent.
	Status int `json:"status"`
}

// MarshalJSON writes the body as text, so the log reads well over HTTP.
func (rr RequestRecord) MarshalJSON() ([]byte, error) {
	type plain RequestRecord
	return json.Marshal(struct {
		plain
		Body string `json:"body"`
	}{plain(rr), string(rr.Body)})
}

// requestLog is a fixed-size ring of the newest records. Records hold the
// request's own header map; records() hands out redacted copies.
type requestLog struct {
	mu    sync.Mutex
	ring  []RequestRecord
	next  int // where the next record goes
	count int
}

func newRequestLog(size int) *requestLog { return &requestLog{ring: make([]RequestRecord, size)} }

func (l *requestLog) add(rec RequestRecord) {
	if len(l.ring) == 0 {
		return
	}
	l.mu.Lock()
	l.ring[l.next] = rec
	l.next = (l.next + 1) % len(l.ring)
	if l.count < len(l.ring) {
		l.count++
	}
	l.mu.Unlock()
}

// records returns the kept records, oldest first.
func (l *requestLog) records() []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]RequestRecord, 0, l.count)
	start := (l.next - l.count + len(l.ring)) % max(len(l.ring), 1)
	for i := range l.count {
		rec := l.ring[(start+i)%len(l.ring)]
		rec.Header = redactHeader(rec.Header)
		out = append(out, rec)
	}
	return out
}

func (l *requestLog) clear() {
	l.mu.Lock()
	clear(l.ring)
	l.next, l.count = 0, 0
	l.mu.Unlock()
}

// sensitiveHeaders never reach the log with their values.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
}

// redactHeader copies h with credentials replaced: an Authorization value
// keeps its scheme ("Bearer [REDACTED]") so tests can still see which
// scheme a client used.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		if !sensitiveHeaders[k] {
			continue
		}
		for i, v := range vs {
			if scheme, _, ok := strings.Cut(v, " "); ok && (k == "Authorization" || k == "Proxy-Authorization") {
				vs[i] = scheme + " " + redacted
			} else {
				vs[i] = redacted
			}
		}
	}
	return out
}

// Requests returns the requests the fake received, oldest first (at most the
// log size; control requests under ControlPrefix are not logged).
func (s *Server) Requests() []RequestRecord { return s.log.records() }

// ClearRequests empties the request log.
func (s *Server) ClearRequests() { s.log.clear() }
