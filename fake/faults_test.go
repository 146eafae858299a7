package fake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestFaultStatusForNextRequests(t *testing.T) {
	s := newServer(t)
	if err := s.InjectFault(Fault{Operation: OpCreateSharedConnection, Count: 2, Status: 429, Header: map[string]string{"Retry-After": "3"}}); err != nil {
		t.Fatal(err)
	}
	// Another operation is not affected.
	if r := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...); r.status != 200 {
		t.Fatalf("list during a share fault: %d", r.status)
	}
	for i := range 2 {
		r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k")...)
		if r.status != 429 || r.header.Get("Retry-After") != "3" || r.json["status"] != 429.0 || r.json["key"] != "injected_fault" {
			t.Fatalf("request %d: %d %v %s, want 429 with Retry-After and a JSON error body", i, r.status, r.header, r.body)
		}
	}
	if p := s.PendingFaults(); len(p) != 0 {
		t.Fatalf("pending after use: %+v", p)
	}
	if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k")...); r.status != 200 {
		t.Fatalf("after the fault: %d", r.status)
	}
	// The faulted shares did not happen.
	if l := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...).list(); len(l) != 1 {
		t.Fatalf("%d copies, want 1", len(l))
	}
}

func TestFaultEveryOperationAndCustomBody(t *testing.T) {
	s := newServer(t)
	html := "<html><body>502 Bad Gateway</body></html>"
	_ = s.InjectFault(Fault{Count: 3, Status: 502, Body: []byte(html)})
	for _, req := range [][2]string{{"POST", sharePath(tParent)}, {"GET", sharedPath(tParent)}, {"GET", "/nothing/here"}} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(req[0], req[1], nil))
		if rec.Code != 502 || rec.Body.String() != html || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s %s: %d %q %q", req[0], req[1], rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
	// 401 faults use the 401 body shape.
	_ = s.InjectFault(Fault{Status: 401})
	if r := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...); r.status != 401 || r.json["code"] != 401.0 {
		t.Errorf("401 fault: %d %s", r.status, r.body)
	}
}

func TestFaultValidation(t *testing.T) {
	s := newServer(t)
	for name, f := range map[string]Fault{
		"unknown operation": {Operation: "deleteEverything", Status: 500},
		"nothing to do":     {Operation: OpCreateSharedConnection},
		"bad status":        {Status: 42},
		"negative count":    {Count: -1, Status: 500},
		"huge delay":        {Delay: time.Hour},
		"bad header":        {Status: 500, Header: map[string]string{"Bad Header": "x"}},
	} {
		if err := s.InjectFault(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if p := s.PendingFaults(); len(p) != 0 {
		t.Errorf("rejected faults are pending: %+v", p)
	}
}

// Delays and latency run on the bubble's fake clock: the test takes no time
// and the measured wait is exact.
func TestFaultDelayAndLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newServer(t, WithLatency(50*time.Millisecond))
		_ = s.InjectFault(Fault{Operation: OpListSharedConnections, Delay: 2 * time.Second})
		start := time.Now()
		r := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...)
		if got := time.Since(start); r.status != 200 || got != 2050*time.Millisecond {
			t.Errorf("delayed list: %d after %v, want 200 after 2.05s", r.status, got)
		}
		start = time.Now()
		call(t, s, "GET", ControlPrefix+"health", "")
		if got := time.Since(start); got != 0 {
			t.Errorf("control requests are delayed by %v", got)
		}
	})
}

// A delayed request whose client gives up ends without waiting the full time.
func TestFaultDelayEndsWithClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newServer(t)
		_ = s.InjectFault(Fault{Delay: time.Minute, Status: 503})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", sharedPath(tParent), nil)
		start := time.Now()
		s.ServeHTTP(httptest.NewRecorder(), req)
		if got := time.Since(start); got != time.Second {
			t.Errorf("waited %v, want 1s (the client's deadline)", got)
		}
	})
}

func TestFaultDropAndTruncate(t *testing.T) {
	srv := NewTestServer(t)
	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", srv.URL+sharePath(tParent), strings.NewReader(shareBody(tChild)))
		for i, h := 0, bearer("k"); i < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		return http.DefaultClient.Do(req)
	}

	_ = srv.InjectFault(Fault{Operation: OpCreateSharedConnection, Drop: true})
	if resp, err := post(); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("dropped request got %d", resp.StatusCode)
	}

	_ = srv.InjectFault(Fault{Operation: OpCreateSharedConnection, Status: 500, Truncate: true})
	resp, err := post()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 500 || !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 || int64(len(b)) >= resp.ContentLength {
		t.Fatalf("truncated fault: %d, %d of %d bytes, err %v", resp.StatusCode, len(b), resp.ContentLength, err)
	}

	// Truncating the normal answer: the share happens, its answer is cut.
	_ = srv.InjectFault(Fault{Operation: OpCreateSharedConnection, Truncate: true})
	resp, err = post()
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(string(b), `{"data":{"id":"`) {
		t.Fatalf("truncated answer: %d %q %v", resp.StatusCode, b, err)
	}

	resp, err = post()
	if err != nil {
		t.Fatalf("after the faults: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after the faults: %d", resp.StatusCode)
	}
	log := srv.Requests()
	if len(log) != 4 || log[0].Status != 0 || log[1].Status != 500 || log[2].Status != 200 {
		t.Fatalf("log statuses: %+v", log)
	}
}

func TestRequestLogRedactsAndRecords(t *testing.T) {
	s := newServer(t)
	h := append(bearer("log-secret-token"), "Cookie", "session=log-secret-cookie", "X-Trace", "abc")
	call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...)
	call(t, s, "GET", sharedPath(tParent)+"?q=1", "", basic("log-secret-deploy")...)
	call(t, s, "GET", ControlPrefix+"health", "") // not logged
	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(log), log)
	}
	first, second := log[0], log[1]
	if first.Method != "POST" || first.Path != sharePath(tParent) || first.Operation != OpCreateSharedConnection ||
		string(first.Body) != shareBody(tChild) || first.Status != 200 || first.Header.Get("X-Trace") != "abc" {
		t.Errorf("first entry: %+v", first)
	}
	if first.Header.Get("Authorization") != "Bearer [REDACTED]" || first.Header.Get("Cookie") != "[REDACTED]" {
		t.Errorf("credentials in the log: %v", first.Header)
	}
	if second.Path != sharedPath(tParent)+"?q=[REDACTED]" || second.Header.Get("Authorization") != "Basic [REDACTED]" {
		t.Errorf("second entry: %+v", second)
	}
	raw, _ := json.Marshal(log)
	if bytes.Contains(raw, []byte("log-secret")) {
		t.Fatalf("a secret reached the log: %s", raw)
	}
	// Bodies are kept up to 64 KiB.
	big := `{"child_organization_id":"` + tChild + `","name":"` + strings.Repeat("x", 100<<10) + `"}`
	call(t, s, "POST", sharePath(tParent), big, bearer("k")...)
	last := s.Requests()[2]
	if len(last.Body) != maxLoggedBody || !last.BodyTruncated || string(last.Body) != big[:maxLoggedBody] {
		t.Errorf("big body logged as %d bytes (truncated %v)", len(last.Body), last.BodyTruncated)
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	s := newServer(t, WithRequestLogSize(10))
	for i := range 25 {
		call(t, s, "GET", sharedPath(tParent)+"?"+string(rune('a'+i))+"=1", "", bearer("k")...)
	}
	log := s.Requests() // query values are redacted, names kept
	if len(log) != 10 || !strings.HasSuffix(log[0].Path, "?p=[REDACTED]") || !strings.HasSuffix(log[9].Path, "?y=[REDACTED]") {
		t.Fatalf("kept %d entries from %s to %s, want the newest 10 (p..y)", len(log), log[0].Path, log[len(log)-1].Path)
	}
	s.ClearRequests()
	if len(s.Requests()) != 0 {
		t.Fatal("log not cleared")
	}
	off := newServer(t, WithRequestLogSize(0))
	call(t, off, "GET", sharedPath(tParent), "", bearer("k")...)
	if len(off.Requests()) != 0 {
		t.Fatal("a disabled log kept entries")
	}
}

// The control API over HTTP, as a test in another language would use it.
func TestControlAPI(t *testing.T) {
	s := newServer(t)
	if r := call(t, s, "GET", ControlPrefix+"health", ""); r.status != 200 || r.json["status"] != "ok" {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
	r := call(t, s, "POST", ControlPrefix+"faults",
		`{"operation":"createSharedConnection","count":1,"status":503,"headers":{"Retry-After":"1"},"body":{"message":"busy"}}`)
	if r.status != 201 || r.json["data"].(map[string]any)["status"] != 503.0 {
		t.Fatalf("post fault: %d %s", r.status, r.body)
	}
	if r := call(t, s, "GET", ControlPrefix+"faults", ""); len(r.json["data"].([]any)) != 1 {
		t.Fatalf("pending faults: %s", r.body)
	}
	if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k")...); r.status != 503 || r.body != `{"message":"busy"}` || r.header.Get("Retry-After") != "1" {
		t.Fatalf("faulted share: %d %s %v", r.status, r.body, r.header)
	}
	_ = call(t, s, "POST", ControlPrefix+"faults", `{"status":500,"delay":"10ms","count":5}`)
	if r := call(t, s, "DELETE", ControlPrefix+"faults", ""); r.status != 200 || len(s.PendingFaults()) != 0 {
		t.Fatalf("delete faults: %d, pending %v", r.status, s.PendingFaults())
	}
	for _, bad := range []string{`{`, `{"status":"x"}`, `{"delay":"soon"}`, `{"operation":"nope","status":500}`, `{}`} {
		if r := call(t, s, "POST", ControlPrefix+"faults", bad); r.status != 422 || r.json["key"] != keyValidation {
			t.Errorf("fault %s: %d %s, want 422", bad, r.status, r.body)
		}
	}

	call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k")...)
	reqs := call(t, s, "GET", ControlPrefix+"requests", "")
	entries := reqs.json["data"].([]any)
	lastEntry := entries[len(entries)-1].(map[string]any)
	if len(entries) != 2 || lastEntry["body"] != shareBody(tChild) || lastEntry["status"] != 200.0 || lastEntry["operation"] != OpCreateSharedConnection {
		t.Fatalf("request log over HTTP: %s", reqs.body)
	}
	if strings.Contains(reqs.body, "Bearer k") {
		t.Fatalf("credential in the log: %s", reqs.body)
	}
	if r := call(t, s, "DELETE", ControlPrefix+"requests", ""); r.status != 200 || len(s.Requests()) != 0 {
		t.Fatal("delete requests")
	}
	_ = s.InjectFault(Fault{Status: 500})
	call(t, s, "GET", sharedPath(tParent), "", bearer("k")...) // uses the fault
	call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k")...)
	_ = s.InjectFault(Fault{Status: 500})
	if r := call(t, s, "POST", ControlPrefix+"reset", ""); r.status != 200 {
		t.Fatal("reset")
	}
	if l := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...); l.status != 200 || len(l.list()) != 0 || len(s.PendingFaults()) != 0 || len(s.Requests()) != 1 {
		t.Fatalf("after reset: %d %s, faults %v, log %d", l.status, l.body, s.PendingFaults(), len(s.Requests()))
	}
	for _, mr := range [][2]string{{"GET", ControlPrefix + "nothing"}, {"DELETE", ControlPrefix + "health"}, {"GET", ControlPrefix + "reset"}} {
		if r := call(t, s, mr[0], mr[1], ""); r.status != 404 {
			t.Errorf("%s %s: %d, want the JSON 404", mr[0], mr[1], r.status)
		}
	}
}

// A client that sees a dropped or truncated answer can read its request in
// the log at once: the fault adds the entry before anything reaches the
// client (the connection closed, the half body written).
func TestDropAndTruncateAreLoggedBeforeTheClientSeesThem(t *testing.T) {
	t.Run("drop", func(t *testing.T) {
		s := newServer(t)
		pw := &probeWriter{header: http.Header{}}
		seen := -1
		pw.onClose = func() { seen = len(s.Requests()) }
		dropConnection(&responseWriter{ResponseWriter: pw, rec: &RequestRecord{Method: "GET"}, log: s.log})
		if !pw.closed || seen != 1 {
			t.Fatalf("closed %v with %d log entries, want closed with 1", pw.closed, seen)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		s := newServer(t)
		pw := &probeWriter{header: http.Header{}}
		seen := -1
		pw.onWrite = func() {
			if seen < 0 {
				seen = len(s.Requests())
			}
		}
		writeTruncated(&responseWriter{ResponseWriter: pw, rec: &RequestRecord{Method: "GET"}, log: s.log}, 503, []byte(`{"status":503}`))
		log := s.Requests()
		if seen != 1 || len(log) != 1 || log[0].Status != 503 || pw.body.String() != `{"statu` {
			t.Fatalf("first write saw %d log entries (want 1); log %+v; body %q", seen, log, pw.body.String())
		}
	})
}

// probeWriter is a ResponseWriter that reports, through its hooks, the
// moment something would reach the client.
type probeWriter struct {
	header  http.Header
	body    bytes.Buffer
	onWrite func()
	onClose func()
	closed  bool
}

func (w *probeWriter) Header() http.Header { return w.header }
func (w *probeWriter) WriteHeader(int)     {}
func (w *probeWriter) Flush()              {}
func (w *probeWriter) Write(b []byte) (int, error) {
	if w.onWrite != nil {
		w.onWrite()
	}
	return w.body.Write(b)
}
func (w *probeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return probeConn{w}, bufio.NewReadWriter(bufio.NewReader(strings.NewReader("")), bufio.NewWriter(io.Discard)), nil
}

// probeConn is the hijacked connection of a probeWriter; only Close is used.
type probeConn struct{ w *probeWriter }

func (c probeConn) Close() error {
	if c.w.onClose != nil {
		c.w.onClose()
	}
	c.w.closed = true
	return nil
}
func (probeConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (probeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (probeConn) LocalAddr() net.Addr              { return nil }
func (probeConn) RemoteAddr() net.Addr             { return nil }
func (probeConn) SetDeadline(time.Time) error      { return nil }
func (probeConn) SetReadDeadline(time.Time) error  { return nil }
func (probeConn) SetWriteDeadline(time.Time) error { return nil }
