package fake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Operation ids of the API, as the spec names them; Fault.Operation takes one
// of these, or "" for every request.
const (
	OpCreateSharedConnection = "createSharedConnection"
	OpListSharedConnections  = "listSharedConnections"
)

// Fault scripts how the fake answers the next Count requests to Operation
// (every request when Operation is ""). A fault applies before credentials
// and validation are checked, as a proxy or an overloaded server would.
//
// What happens, in order: wait Delay; then, with Drop, close the connection
// without answering; with Status, answer Status with Header and Body; then,
// with Truncate, send only the first half of the body (of the fault's, or of
// the normal answer) after announcing its full length, and close the
// connection. A fault with only Delay delays the normal answer.
type Fault struct {
	// Operation is OpCreateSharedConnection, OpListSharedConnections or ""
	// (every request, unknown routes included).
	Operation string `json:"operation,omitempty"`
	// Count is how many requests the fault applies to; 0 means 1.
	Count int `json:"count,omitempty"`
	// Status, when not 0, replaces the answer.
	Status int `json:"status,omitempty"`
	// Header is added to the fault's answer, e.g. {"Retry-After": "2"}.
	Header map[string]string `json:"headers,omitempty"`
	// Body is the fault's answer body, sent as is (JSON, HTML, anything).
	// When empty, a JSON error body of the documented shape is sent.
	Body []byte `json:"-"`
	// Delay is how long to wait before answering; the wait ends early if
	// the client goes away.
	Delay time.Duration `json:"-"`
	// Drop closes the connection without an answer. Go's net/http client
	// re-sends a GET (or a request carrying Idempotency-Key whose body it
	// can rewind) once by itself when this happens on a reused keep-alive
	// connection, so a client may see the next answer instead: script
	// Count 2, or use a fresh connection, to make it see the drop.
	Drop bool `json:"drop,omitempty"`
	// Truncate sends half of the body and closes the connection.
	Truncate bool `json:"truncate,omitempty"`
}

// MarshalJSON writes the control API's form of f.
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault // no methods: no recursion
	w := struct {
		plain
		Body  string `json:"body,omitempty"`
		Delay string `json:"delay,omitempty"`
	}{plain: plain(f), Body: string(f.Body)}
	if f.Delay > 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the control API's form of a fault. Unknown fields
// are errors (an *UnknownFieldError): a misspelt "opertion" would otherwise
// turn a fault meant for one operation into one that hits every request.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var w struct {
		plain
		Body  json.RawMessage `json:"body,omitempty"`
		Delay string          `json:"delay,omitempty"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		// encoding/json has no error type for this case, only its words.
		if q, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name, uerr := strconv.Unquote(q)
			if uerr != nil {
				name = ""
			}
			return &UnknownFieldError{Name: name}
		}
		return err
	}
	*f = Fault(w.plain)
	if len(w.Body) > 0 && w.Body[0] == '"' {
		var s string
		if err := json.Unmarshal(w.Body, &s); err != nil {
			return err
		}
		f.Body = []byte(s)
	} else if len(w.Body) > 0 && string(w.Body) != "null" {
		f.Body = append([]byte(nil), w.Body...)
	}
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return errFaultDelay
		}
		f.Delay = d
	}
	return nil
}

// UnknownFieldError is a fault's JSON form naming a field Fault does not have.
type UnknownFieldError struct {
	// Name is the unknown field's name as sent (cut at 64 bytes).
	Name string
}

func (e *UnknownFieldError) Error() string {
	name := e.Name
	if len(name) > 64 {
		name = name[:64] + "..."
	}
	return strings.TrimSpace("unknown field " + name)
}

var errFaultDelay = errors.New(`delay must be a duration such as "250ms"`)

// maxFaultDelay bounds a scripted delay so that a typo cannot hang a test run.
const maxFaultDelay = time.Minute

// check reports what is wrong with f, in words fit for a 422 body.
func (f Fault) check() error {
	switch {
	case f.Operation != "" && f.Operation != OpCreateSharedConnection && f.Operation != OpListSharedConnections:
		return fmt.Errorf("operation must be %q, %q or empty (every request)", OpCreateSharedConnection, OpListSharedConnections)
	case f.Count < 0 || f.Count > 1_000_000:
		return errors.New("count must be between 0 and 1000000")
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		// 1xx are not answers: 100/103 would be followed by a 200 and 101
		// switches protocols, leaving the connection to nobody.
		return errors.New("status must be an HTTP status code (200-599)")
	case f.Delay < 0 || f.Delay > maxFaultDelay:
		return errors.New("delay must be between 0 and 1m")
	case f.Status == 0 && f.Delay == 0 && !f.Drop && !f.Truncate:
		return errors.New("a fault needs a status, a delay, drop or truncate")
	}
	for k, v := range f.Header {
		if !validHeaderName(k) || !validHeaderValue(v) {
			return errors.New("headers must be valid HTTP header names (tokens) and values (no control characters but tab)")
		}
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.1), the
// only form a field name may take. net/http keeps its own check internal;
// golang.org/x/net's httpguts has it, but not worth a module for 10 lines.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s may be an HTTP field value (RFC 9110,
// 5.5): no control characters but horizontal tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// faultQueue holds scripted faults, oldest first. active lets the hot path
// skip the lock when nothing is scripted, which is almost always.
type faultQueue struct {
	active atomic.Int64
	mu     sync.Mutex
	list   []*Fault // Count is what remains
}

func (q *faultQueue) add(f Fault) Fault {
	if f.Count == 0 {
		f.Count = 1
	}
	f.Header = cloneMap(f.Header)
	f.Body = append([]byte(nil), f.Body...)
	q.mu.Lock()
	q.list = append(q.list, &f)
	q.active.Store(int64(len(q.list)))
	q.mu.Unlock()
	return f
}

// take consumes one application of the first fault that matches op.
func (q *faultQueue) take(op string) (Fault, bool) {
	if q.active.Load() == 0 {
		return Fault{}, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.list {
		if f.Operation != "" && f.Operation != op {
			continue
		}
		f.Count--
		if f.Count == 0 {
			q.list = append(q.list[:i], q.list[i+1:]...)
			q.active.Store(int64(len(q.list)))
		}
		return *f, true
	}
	return Fault{}, false
}

func (q *faultQueue) pending() []Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Fault, len(q.list))
	for i, f := range q.list {
		out[i] = *f
	}
	return out
}

func (q *faultQueue) clear() {
	q.mu.Lock()
	q.list = nil
	q.active.Store(0)
	q.mu.Unlock()
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// InjectFault scripts the next f.Count requests to f.Operation (see Fault).
// Faults apply in the order they were injected.
func (s *Server) InjectFault(f Fault) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("fake: fault: %w", err)
	}
	s.faults.add(f)
	return nil
}

// PendingFaults returns the faults not yet used up, with their remaining counts.
func (s *Server) PendingFaults() []Fault { return s.faults.pending() }

// ClearFaults removes every scripted fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// wait sleeps for d or until the request's client goes away; it reports
// whether the full time passed.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// applyFault carries out f. It reports handled=true when the fault answered
// (or dropped) the request; otherwise the request is served normally, and,
// with truncate, its answer must be cut by the caller.
func applyFault(w *responseWriter, r *http.Request, f Fault) (handled bool) {
	if !wait(r, f.Delay) {
		return true
	}
	if f.Drop {
		dropConnection(w)
		return true
	}
	if f.Status == 0 {
		return false
	}
	body := f.Body
	h := w.Header()
	if len(body) == 0 {
		body = faultBody(f.Status)
	}
	switch {
	case h.Get("Content-Type") != "":
	case len(f.Body) == 0 || json.Valid(body):
		h.Set("Content-Type", "application/json")
	default:
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	for k, v := range f.Header {
		h.Set(k, v)
	}
	if f.Truncate {
		writeTruncated(w, f.Status, body)
		return true
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
	return true
}

// faultBody is the JSON error body of the documented shape for status.
func faultBody(status int) []byte {
	var v any
	msg := "injected fault: " + strings.ToLower(http.StatusText(status))
	if status == http.StatusUnauthorized {
		v = unauthorized(msg)
	} else {
		v = restError(status, "injected_fault", msg, nil)
	}
	b, _ := json.Marshal(v)
	return append(b, '\n')
}

// writeTruncated announces len(body) bytes and sends half of them. net/http
// closes a connection whose handler wrote less than its Content-Length, so
// the client sees an unexpected EOF.
func writeTruncated(w *responseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	w.commitLog() // nothing has reached the client yet: the header is buffered
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
}

// dropConnection closes the client's connection without a response. Where
// the connection cannot be taken over (HTTP/2, a ResponseRecorder) it
// aborts the handler, which net/http turns into a reset stream or closed
// connection.
func dropConnection(w *responseWriter) {
	w.commitLog()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
