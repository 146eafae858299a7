package fake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultRequestLogSize is how many requests the log keeps unless
// WithRequestLogSize says otherwise: the log is a ring, so a long load run
// keeps the newest entries and memory stays bounded.
const DefaultRequestLogSize = 1000

// MaxRequestLogSize is the largest request log WithRequestLogSize accepts:
// a million records of up to 64 KiB of body each is already more memory than
// a test machine should give a fake.
const MaxRequestLogSize = 1_000_000

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
	// Path is the request path as sent (still escaped), with the query;
	// query values are redacted when the log is read.
	Path string `json:"path"`
	// Operation is the spec's operation id, empty for unknown routes.
	Operation string `json:"operation,omitempty"`
	// Header holds the request headers with credentials redacted
	// (Authorization keeps only a known scheme, e.g. "Bearer [REDACTED]").
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

// requestLog is a ring of the newest records, at most size of them. It
// grows as requests arrive, so a large size costs nothing until it is used.
// Records hold the request's own header map and path; records() hands out
// redacted copies.
type requestLog struct {
	mu    sync.Mutex
	size  int
	ring  []RequestRecord
	next  int // where the next record goes once the ring is full
	count int
}

func newRequestLog(size int) *requestLog {
	return &requestLog{size: size, ring: make([]RequestRecord, 0, min(size, 1024))}
}

func (l *requestLog) add(rec RequestRecord) {
	if l.size == 0 {
		return
	}
	l.mu.Lock()
	if len(l.ring) < l.size {
		l.ring = append(l.ring, rec)
	} else {
		l.ring[l.next] = rec
	}
	l.next = (l.next + 1) % l.size
	if l.count < l.size {
		l.count++
	}
	l.mu.Unlock()
}

// records returns the kept records, oldest first, redacted.
func (l *requestLog) records() []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]RequestRecord, 0, l.count)
	start := (l.next - l.count + l.size) % max(l.size, 1)
	for i := range l.count {
		rec := l.ring[(start+i)%l.size]
		rec.Header = redactHeader(rec.Header)
		rec.Path = redactQuery(rec.Path)
		out = append(out, rec)
	}
	return out
}

func (l *requestLog) clear() {
	l.mu.Lock()
	clear(l.ring)
	l.ring = l.ring[:0]
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

// authSchemes are the HTTP authentication schemes (IANA's registry, plus
// NTLM and AWS's) whose name the log keeps. Anything else before a space
// may be the secret itself ("KEY x") and is redacted with the rest.
var authSchemes = []string{
	"Basic", "Bearer", "Concealed", "Digest", "DPoP", "GNAP", "HOBA", "Mutual", "Negotiate",
	"NTLM", "OAuth", "PrivateToken", "SCRAM-SHA-1", "SCRAM-SHA-256", "vapid", "AWS4-HMAC-SHA256",
}

// redactHeader copies h with credentials replaced: an Authorization value
// with a known scheme keeps it ("Bearer [REDACTED]") so tests can still see
// which scheme a client used; any other value is redacted whole.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		if !sensitiveHeaders[k] {
			continue
		}
		for i, v := range vs {
			vs[i] = redacted
			if k != "Authorization" && k != "Proxy-Authorization" {
				continue
			}
			scheme, _, ok := strings.Cut(v, " ")
			if ok && slices.ContainsFunc(authSchemes, func(s string) bool { return strings.EqualFold(s, scheme) }) {
				vs[i] = scheme + " " + redacted
			}
		}
	}
	return out
}

// redactQuery replaces every query value of a logged path ("?token=x" →
// "?token=[REDACTED]"; a bare "?x" is redacted whole): queries are where
// credentials travel when a client puts them in the URL. Names stay, for
// tests that tell requests apart by them.
func redactQuery(p string) string {
	path, query, ok := strings.Cut(p, "?")
	if !ok || query == "" {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 16)
	b.WriteString(path)
	b.WriteByte('?')
	for i, pair := range strings.Split(query, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		if name, _, ok := strings.Cut(pair, "="); ok {
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(redacted)
		} else if pair != "" {
			b.WriteString(redacted)
		}
	}
	return b.String()
}

// Requests returns the requests the fake received, oldest first (at most the
// log size; control requests under ControlPrefix are not logged).
func (s *Server) Requests() []RequestRecord { return s.log.records() }

// ClearRequests empties the request log.
func (s *Server) ClearRequests() { s.log.clear() }
