package fake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
)

const (
	seedParent = "248df4b7-aa70-47b8-a036-33ac447e668d"
	child      = "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"
)

type answer struct {
	status  int
	header  http.Header
	body    []byte
	decoded map[string]any
}

// do sends one request; headers are given as name, value pairs.
func do(t *testing.T, method, url, body string, headers ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if err := json.Unmarshal(b, &a.decoded); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, url, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type = %q, want application/json", method, url, ct)
	}
	return a
}

var okHeaders = []string{"Authorization", "Bearer k", "X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}

// TestSeedCurlRequest sends the seed page's request byte for byte (but for
// the host): Basic "<username>:<password>", the literal version value and the
// seed's body.
func TestSeedCurlRequest(t *testing.T) {
	srv := fake.NewTestServer(t)
	req, _ := http.NewRequest("POST", srv.URL+"/api/connections/248df4b7-aa70-47b8-a036-33ac447e668d/share",
		strings.NewReader("{\n  \"child_organization_id\": \"248df4b7-aa70-47b8-a036-33ac447e668d\"\n}"))
	req.Header.Set("X-Polytomic-Version", "X-Polytomic-Version")
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("<username>", "<password>")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var env struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	if _, err := uuid.Parse(env.Data.ID); err != nil || len(env.Data.ID) != 36 {
		t.Fatalf("data.id = %q is not a UUID (body %s)", env.Data.ID, raw)
	}
	if got := resp.Header.Get("X-Polytomic-Version"); got != "X-Polytomic-Version" {
		t.Errorf("echoed version = %q, want the one sent", got)
	}
}

func TestShareThenList(t *testing.T) {
	fixed := time.Date(2024, 2, 8, 12, 0, 0, 0, time.UTC)
	srv := fake.NewTestServer(t, fake.WithClock(func() time.Time { return fixed }))
	base := srv.URL + "/api/connections/" + seedParent

	empty := do(t, "GET", base+"/shared", "", okHeaders...)
	if empty.status != 200 || string(empty.body) != "{\"data\":[]}\n" {
		t.Fatalf("list before share = %d %s, want 200 {\"data\":[]}", empty.status, empty.body)
	}
	named := do(t, "POST", base+"/share", `{"child_organization_id":"`+child+`","name":"Acme copy"}`, okHeaders...)
	unnamed := do(t, "POST", base+"/share", `{"child_organization_id":"`+child+`"}`, okHeaders...)
	for _, a := range []answer{named, unnamed} {
		if a.status != 200 {
			t.Fatalf("share = %d %s", a.status, a.body)
		}
	}
	id1 := named.decoded["data"].(map[string]any)["id"].(string)
	id2 := unnamed.decoded["data"].(map[string]any)["id"].(string)
	if id1 == id2 {
		t.Fatal("two shares got the same id")
	}

	list := do(t, "GET", base+"/shared", "", "Authorization", "Bearer k", "X-Polytomic-Version", "2025-09-18")
	if list.status != 200 {
		t.Fatalf("list = %d %s", list.status, list.body)
	}
	if got := list.header.Get("X-Polytomic-Version"); got != "2025-09-18" {
		t.Errorf("list echoed version %q, want 2025-09-18", got)
	}
	var env struct {
		Data []map[string]any `json:"data"`
	}
	_ = json.Unmarshal(list.body, &env)
	if len(env.Data) != 2 {
		t.Fatalf("list has %d copies, want 2: %s", len(env.Data), list.body)
	}
	want := []map[string]any{
		{"id": id1, "name": "Acme copy", "organization_id": child, "parent_connection_id": seedParent,
			"created_at": "2024-02-08T12:00:00Z", "updated_at": "2024-02-08T12:00:00Z", "status": "healthy", "saved": true},
		{"id": id2, "name": "Connection " + seedParent, "organization_id": child, "parent_connection_id": seedParent,
			"created_at": "2024-02-08T12:00:00Z", "updated_at": "2024-02-08T12:00:00Z", "status": "healthy", "saved": true},
	}
	for i, w := range want {
		for k, v := range w {
			if env.Data[i][k] != v {
				t.Errorf("copy %d: %s = %v, want %v", i, k, env.Data[i][k], v)
			}
		}
	}
	other := do(t, "GET", srv.URL+"/api/connections/"+child+"/shared", "", okHeaders...)
	if string(other.body) != "{\"data\":[]}\n" {
		t.Errorf("another parent's list = %s, want empty", other.body)
	}
}

// TestPinnedErrors covers the lenient mode's error answers: status, body
// shape, the field named, and no Go error text.
func TestPinnedErrors(t *testing.T) {
	srv := fake.NewTestServer(t)
	share := srv.URL + "/api/connections/" + seedParent + "/share"
	body := `{"child_organization_id":"` + child + `"}`
	cases := []struct {
		name, method, url, body string
		headers                 []string
		status                  int
		field                   string // for 422: metadata.field
	}{
		{"no credentials", "POST", share, body, []string{"X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}, 401, ""},
		{"empty bearer", "POST", share, body, []string{"Authorization", "Bearer ", "X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}, 401, ""},
		{"empty basic user", "POST", share, body, []string{"Authorization", "Basic OnNlY3JldA==", "X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}, 401, ""},
		{"unknown scheme", "POST", share, body, []string{"Authorization", "Token abc", "X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}, 401, ""},
		{"list without credentials", "GET", srv.URL + "/api/connections/" + seedParent + "/shared", "", []string{"X-Polytomic-Version", "2024-02-08"}, 401, ""},
		{"bad uuid in path", "POST", srv.URL + "/api/connections/not-a-uuid/share", body, okHeaders, 422, "parent_connection_id"},
		{"bad uuid in list path", "GET", srv.URL + "/api/connections/1234/shared", "", okHeaders, 422, "parent_connection_id"},
		{"bad uuid in body", "POST", share, `{"child_organization_id":"nope"}`, okHeaders, 422, "child_organization_id"},
		{"missing child", "POST", share, `{"name":"x"}`, okHeaders, 422, "child_organization_id"},
		{"name null", "POST", share, `{"child_organization_id":"` + child + `","name":null}`, okHeaders, 422, "name"},
		{"name not a string", "POST", share, `{"child_organization_id":"` + child + `","name":7}`, okHeaders, 422, "name"},
		{"nil child", "POST", share, `{"child_organization_id":"00000000-0000-0000-0000-000000000000"}`, okHeaders, 422, "child_organization_id"},
		{"missing version", "POST", share, body, []string{"Authorization", "Bearer k", "Content-Type", "application/json"}, 422, "X-Polytomic-Version"},
		{"missing body", "POST", share, "", okHeaders, 422, "body"},
		{"truncated body", "POST", share, `{`, okHeaders, 422, "body"},
		{"body is null", "POST", share, `null`, okHeaders, 422, "body"},
		{"wrong content type", "POST", share, body, []string{"Authorization", "Bearer k", "X-Polytomic-Version", "2024-02-08", "Content-Type", "text/plain"}, 422, "Content-Type"},
		{"bad idempotency key", "POST", share, body, append([]string{"Idempotency-Key", "short"}, okHeaders...), 422, "Idempotency-Key"},
		{"unknown route", "GET", srv.URL + "/api/nothing", "", okHeaders, 404, ""},
		{"trailing slash", "POST", share + "/", body, okHeaders, 404, ""},
		{"wrong method", "DELETE", share, "", okHeaders, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, tc.url, tc.body, tc.headers...)
			if a.status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", a.status, tc.status, a.body)
			}
			if a.status == 401 {
				for _, k := range []string{"code", "context", "error", "status"} {
					if _, ok := a.decoded[k]; !ok {
						t.Errorf("401 body lacks %q: %s", k, a.body)
					}
				}
				if a.decoded["code"] != float64(401) || a.decoded["status"] != "Unauthorized" {
					t.Errorf("401 body = %s", a.body)
				}
				return
			}
			for _, k := range []string{"key", "message", "status"} {
				if _, ok := a.decoded[k]; !ok {
					t.Errorf("body lacks %q: %s", k, a.body)
				}
			}
			if a.decoded["status"] != float64(tc.status) {
				t.Errorf("body status = %v, want %d", a.decoded["status"], tc.status)
			}
			if tc.field != "" {
				md, _ := a.decoded["metadata"].(map[string]any)
				if md["field"] != tc.field {
					t.Errorf("metadata.field = %v, want %s (body %s)", md["field"], tc.field, a.body)
				}
				if !strings.Contains(a.decoded["message"].(string), tc.field) && tc.field != "body" {
					t.Errorf("message %q does not name %s", a.decoded["message"], tc.field)
				}
			}
			for _, leak := range []string{"json:", "openapi3", "kin-openapi", "Error at", "schema", "goroutine", "%!"} {
				if strings.Contains(string(a.body), leak) {
					t.Errorf("body carries internal text %q: %s", leak, a.body)
				}
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	srv := fake.NewTestServer(t)
	big := `{"child_organization_id":"` + child + `","name":"` + strings.Repeat("x", 2<<20) + `"}`
	a := do(t, "POST", srv.URL+"/api/connections/"+seedParent+"/share", big, okHeaders...)
	if a.status != http.StatusRequestEntityTooLarge || a.decoded["key"] != "request_too_large" {
		t.Fatalf("2 MiB body = %d %s, want 413 request_too_large", a.status, a.body)
	}
}

func TestVersionEchoOnErrors(t *testing.T) {
	srv := fake.NewTestServer(t)
	a := do(t, "GET", srv.URL+"/api/connections/x/shared", "", "Authorization", "Bearer k", "X-Polytomic-Version", "2023-04-25")
	if a.status != 422 || a.header.Get("X-Polytomic-Version") != "2023-04-25" {
		t.Fatalf("got %d, version %q", a.status, a.header.Get("X-Polytomic-Version"))
	}
	b := do(t, "GET", srv.URL+"/api/connections/"+seedParent+"/shared", "", "Authorization", "Bearer k")
	if b.status != 422 || b.header.Get("X-Polytomic-Version") != "2021-05-23" {
		t.Fatalf("without a version header: %d, version %q; want 422 served as 2021-05-23", b.status, b.header.Get("X-Polytomic-Version"))
	}
}
