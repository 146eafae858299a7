// Package server benchmarks the share handlers in process, without a
// network: each request goes straight into ServeHTTP with a recorder, so
// the numbers are the handler's own cost per request, free of loopback and
// load-generator noise. cmd/throughput measures the same servers over TCP.
package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/polyshare/polyshare/bench/servers"
)

func handlers(tb testing.TB) []struct {
	name string
	h    http.Handler
} {
	noval, err := servers.FakeWithoutValidation()
	if err != nil {
		tb.Fatal(err)
	}
	full, err := servers.Fake()
	if err != nil {
		tb.Fatal(err)
	}
	return []struct {
		name string
		h    http.Handler
	}{
		{"Raw", servers.Raw()},
		{"FakeNoValidation", noval},
		{"Fake", full},
	}
}

func shareRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, servers.SharePath, bytes.NewReader(servers.ShareBody))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Polytomic-Version", "2024-02-08")
	r.Header.Set("Authorization", "Bearer bench")
	return r
}

// TestHandlersAnswerShare proves every handler benchmarked answers 200 with
// a JSON body naming an id, and that the validating fake refuses a request
// the others accept (no credential), so "full validation" is switched on.
func TestHandlersAnswerShare(t *testing.T) {
	for _, h := range handlers(t) {
		w := httptest.NewRecorder()
		h.h.ServeHTTP(w, shareRequest())
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"id":"`)) {
			t.Errorf("%s: status %d body %q", h.name, w.Code, w.Body.String())
		}
		if got := w.Header().Get("X-Polytomic-Version"); got != "2024-02-08" {
			t.Errorf("%s: X-Polytomic-Version %q", h.name, got)
		}
		r := shareRequest()
		r.Header.Del("Authorization")
		w = httptest.NewRecorder()
		h.h.ServeHTTP(w, r)
		if want := map[string]int{"Fake": 401}[h.name]; want != 0 && w.Code != want {
			t.Errorf("%s without credential: status %d, want %d", h.name, w.Code, want)
		}
	}
}

func BenchmarkShareHandler(b *testing.B) {
	for _, h := range handlers(b) {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.h.ServeHTTP(w, shareRequest())
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
