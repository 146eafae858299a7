package fake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Ids used across this package's internal tests.
const (
	tParent  = "248df4b7-aa70-47b8-a036-33ac447e668d"
	tChild   = "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"
	tVersion = "2024-02-08"
)

// result is one in-process answer.
type result struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// call sends one request straight to s.ServeHTTP; headers are name, value
// pairs. It marks the test failed when the body is not a JSON object (with
// Errorf, so that it may run on any goroutine).
func call(t testing.TB, s http.Handler, method, path, body string, headers ...string) result {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	r := result{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.json); err != nil {
		t.Errorf("%s %s: body is not a JSON object: %q", method, path, r.body)
	}
	return r
}

// bearer returns the headers of a well-formed API call with token.
func bearer(token string) []string {
	return []string{"Authorization", "Bearer " + token, "X-Polytomic-Version", tVersion, "Content-Type", "application/json"}
}

func shareBody(child string) string { return `{"child_organization_id":"` + child + `"}` }

func sharePath(parent string) string  { return "/api/connections/" + parent + "/share" }
func sharedPath(parent string) string { return "/api/connections/" + parent + "/shared" }

// meta returns the metadata object of a RESTError body.
func (r result) meta() map[string]any {
	m, _ := r.json["metadata"].(map[string]any)
	return m
}

// dataID returns data.id of a 200 share answer.
func (r result) dataID() string {
	d, _ := r.json["data"].(map[string]any)
	id, _ := d["id"].(string)
	return id
}

// list returns the data array of a list answer.
func (r result) list() []map[string]any {
	var out []map[string]any
	arr, _ := r.json["data"].([]any)
	for _, v := range arr {
		out = append(out, v.(map[string]any))
	}
	return out
}

func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
