package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/generated"
	"github.com/polyshare/polyshare/wrapper"
)

var (
	parentID = uuid.MustParse("248df4b7-aa70-47b8-a036-33ac447e668d")
	childID  = uuid.MustParse("0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c")
)

func newClient(t *testing.T, url string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(append([]wrapper.Option{wrapper.WithBaseURL(url), wrapper.WithAPIKey("test-key")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRoundTripWithFake shares twice and lists the copies back through the
// real HTTP stack and the fake server.
func TestRoundTripWithFake(t *testing.T) {
	srv := fake.NewTestServer(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()

	id1, err := c.CreateSharedConnection(ctx, parentID, childID, wrapper.WithName("Acme copy"))
	if err != nil {
		t.Fatal(err)
	}
	id2, err := c.CreateSharedConnection(ctx, parentID, childID)
	if err != nil {
		t.Fatal(err)
	}
	if id1 == uuid.Nil || id1 == id2 {
		t.Fatalf("ids %s and %s: want two distinct non-nil ids", id1, id2)
	}
	list, err := c.ListSharedConnections(ctx, parentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("listed %d copies, want 2", len(list))
	}
	if *list[0].Id != id1 || *list[0].Name != "Acme copy" || *list[0].OrganizationId != childID || *list[0].ParentConnectionId != parentID {
		t.Errorf("first copy = %+v", list[0])
	}
	if *list[1].Id != id2 || *list[1].Name != "Connection "+parentID.String() {
		t.Errorf("second copy: id %s name %q; want %s and the parent's name", *list[1].Id, *list[1].Name, id2)
	}
	other, err := c.ListSharedConnections(ctx, childID)
	if err != nil || len(other) != 0 {
		t.Fatalf("another parent: %d copies, err %v; want none", len(other), err)
	}
}

// reqRecorder is a loopback server that records the requests it sees and
// answers with a canned share response.
type reqRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	srv  *httptest.Server
}

func newReqRecorder(t *testing.T) *reqRecorder {
	rec := &reqRecorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"data":[]}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":{"id":"11111111-2222-4333-8444-555555555555"}}`))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *reqRecorder) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return r.reqs[len(r.reqs)-1]
}

func TestHeadersOnEveryRequest(t *testing.T) {
	rec := newReqRecorder(t)
	ctx := context.Background()

	bearer := newClient(t, rec.srv.URL)
	if _, err := bearer.CreateSharedConnection(ctx, parentID, childID); err != nil {
		t.Fatal(err)
	}
	r := rec.last(t)
	if got := r.Header.Values("X-Polytomic-Version"); len(got) != 1 || got[0] != "2024-02-08" {
		t.Errorf("X-Polytomic-Version = %q, want exactly one 2024-02-08", got)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("Authorization = %q", got)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "polyshare/"+wrapper.Version) {
		t.Errorf("User-Agent = %q, want polyshare/%s...", ua, wrapper.Version)
	}
	if r.URL.Path != "/api/connections/"+parentID.String()+"/share" || r.Method != "POST" {
		t.Errorf("request = %s %s", r.Method, r.URL.Path)
	}

	// Per-client and per-call versions; exactly one header either way.
	basic, err := wrapper.New(wrapper.WithBaseURL(rec.srv.URL), wrapper.WithDeploymentKey("deploy-key"), wrapper.WithAPIVersion("2023-04-25"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := basic.ListSharedConnections(ctx, parentID); err != nil {
		t.Fatal(err)
	}
	r = rec.last(t)
	if got := r.Header.Values("X-Polytomic-Version"); len(got) != 1 || got[0] != "2023-04-25" {
		t.Errorf("client version: header = %q", got)
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != "deploy-key" || pass != "" {
		t.Errorf("Basic auth = %q %q %v, want the deployment key as user", user, pass, ok)
	}
	if _, err := basic.ListSharedConnections(ctx, parentID, wrapper.WithVersion("2025-09-18")); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).Header.Values("X-Polytomic-Version"); len(got) != 1 || got[0] != "2025-09-18" {
		t.Errorf("call version: header = %q", got)
	}

	// A share's per-call editors: the key alone, the version alone, both.
	for _, tc := range []struct {
		opts    []wrapper.CallOption
		version string
		key     string // "" for any generated key
	}{
		{nil, "2023-04-25", ""},
		{[]wrapper.CallOption{wrapper.WithIdempotencyKey("caller-key-1")}, "2023-04-25", "caller-key-1"},
		{[]wrapper.CallOption{wrapper.WithVersion("2025-09-18")}, "2025-09-18", ""},
		{[]wrapper.CallOption{wrapper.WithVersion("2025-09-18"), wrapper.WithIdempotencyKey("caller-key-2")}, "2025-09-18", "caller-key-2"},
	} {
		if _, err := basic.CreateSharedConnection(ctx, parentID, childID, tc.opts...); err != nil {
			t.Fatal(err)
		}
		h := rec.last(t).Header
		keys := h.Values("Idempotency-Key")
		if got := h.Values("X-Polytomic-Version"); len(got) != 1 || got[0] != tc.version {
			t.Errorf("share %d options: version header = %q, want %s", len(tc.opts), got, tc.version)
		}
		if len(keys) != 1 || (tc.key != "" && keys[0] != tc.key) || wrapper.CheckIdempotencyKey(keys[0]) != nil {
			t.Errorf("share %d options: Idempotency-Key = %q, want exactly one %q", len(tc.opts), keys, tc.key)
		}
	}
}

func TestCallerHTTPClientNotMutated(t *testing.T) {
	rec := newReqRecorder(t)
	hc := &http.Client{}
	c := newClient(t, rec.srv.URL, wrapper.WithHTTPClient(hc))
	if _, err := c.ListSharedConnections(context.Background(), parentID); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.CheckRedirect != nil || hc.Jar != nil || hc.Timeout != 0 {
		t.Fatalf("caller's client was changed: %+v", hc)
	}
}

func TestConstructorErrors(t *testing.T) {
	cases := []struct {
		name string
		opts []wrapper.Option
		want string
	}{
		{"no credential", nil, "no credential"},
		{"both credentials", []wrapper.Option{wrapper.WithAPIKey("a"), wrapper.WithDeploymentKey("b")}, "not both"},
		{"empty key", []wrapper.Option{wrapper.WithAPIKey(" ")}, "empty"},
		{"bad version", []wrapper.Option{wrapper.WithAPIKey("a"), wrapper.WithAPIVersion("latest")}, "YYYY-MM-DD"},
		{"relative URL", []wrapper.Option{wrapper.WithAPIKey("a"), wrapper.WithBaseURL("/api")}, "absolute"},
		{"user info in URL", []wrapper.Option{wrapper.WithAPIKey("a"), wrapper.WithBaseURL("https://u:p@example.com")}, "user info"},
		{"nil http client", []wrapper.Option{wrapper.WithAPIKey("a"), wrapper.WithHTTPClient(nil)}, "nil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := wrapper.New(tc.opts...)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "u:p") {
				t.Errorf("error shows URL credentials: %q", err)
			}
		})
	}
}

// stub answers every call with one documented error, built on the generated
// strict server interface: the statuses the lenient fake never produces.
type stub struct{ status int }

var _ generated.StrictServerInterface = stub{}

func restBody(status int, key, msg string) generated.RESTError {
	md := map[string]any{"field": "child_organization_id"}
	return generated.RESTError{Key: &key, Message: &msg, Status: &status, Metadata: &md}
}

func unauthorizedBody() generated.UnauthorizedError {
	code, e, s := 401, "invalid API key", "Unauthorized"
	ctx := map[string]any{"hint": "rotate"}
	return generated.UnauthorizedError{Code: &code, Error: &e, Status: &s, Context: &ctx}
}

func (s stub) CreateSharedConnection(context.Context, generated.CreateSharedConnectionRequestObject) (generated.CreateSharedConnectionResponseObject, error) {
	switch s.status {
	case 401:
		return generated.CreateSharedConnection401JSONResponse{Body: unauthorizedBody()}, nil
	case 403:
		return generated.CreateSharedConnection403JSONResponse{Body: restBody(403, "forbidden", "requires partner key")}, nil
	case 404:
		return generated.CreateSharedConnection404JSONResponse{Body: restBody(404, "not_found", "connection not found")}, nil
	case 422:
		return generated.CreateSharedConnection422JSONResponse{Body: restBody(422, "validation_error", "child_organization_id is unknown")}, nil
	default:
		return generated.CreateSharedConnection500JSONResponse{Body: restBody(500, "internal_error", "boom")}, nil
	}
}

func (s stub) ListSharedConnections(context.Context, generated.ListSharedConnectionsRequestObject) (generated.ListSharedConnectionsResponseObject, error) {
	switch s.status {
	case 401:
		return generated.ListSharedConnections401JSONResponse{Body: unauthorizedBody()}, nil
	case 403:
		return generated.ListSharedConnections403JSONResponse{Body: restBody(403, "forbidden", "requires partner key")}, nil
	case 404:
		return generated.ListSharedConnections404JSONResponse{Body: restBody(404, "not_found", "connection not found")}, nil
	case 422:
		return generated.ListSharedConnections422JSONResponse{Body: restBody(422, "validation_error", "child_organization_id is unknown")}, nil
	default:
		return generated.ListSharedConnections500JSONResponse{Body: restBody(500, "internal_error", "boom")}, nil
	}
}

// TestDocumentedErrorsAreTyped mounts the stub under a base path (so a
// client that drops the path fails loudly) and checks every documented error
// status reaches the caller as *APIError with its decoded fields.
func TestDocumentedErrorsAreTyped(t *testing.T) {
	want := map[int]struct{ key, msg string }{
		401: {"", "invalid API key"},
		403: {"forbidden", "requires partner key"},
		404: {"not_found", "connection not found"},
		422: {"validation_error", "child_organization_id is unknown"},
		500: {"internal_error", "boom"},
	}
	for status, w := range want {
		mux := http.NewServeMux()
		h := generated.HandlerWithOptions(generated.NewStrictHandler(stub{status}, nil),
			generated.StdHTTPServerOptions{BaseURL: "/polytomic", BaseRouter: mux})
		srv := httptest.NewServer(h)
		c := newClient(t, srv.URL+"/polytomic/")
		ctx := context.Background()

		_, errCreate := c.CreateSharedConnection(ctx, parentID, childID)
		_, errList := c.ListSharedConnections(ctx, parentID)
		srv.Close()
		for op, err := range map[string]error{"create": errCreate, "list": errList} {
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("%d %s: error %T %v is not *APIError", status, op, err, err)
			}
			if apiErr.StatusCode != status || apiErr.Message() != w.msg || apiErr.Key() != w.key {
				t.Errorf("%d %s: got status %d message %q key %q", status, op, apiErr.StatusCode, apiErr.Message(), apiErr.Key())
			}
			if status == 401 {
				u := apiErr.Unauthorized
				if u == nil || *u.Code != 401 || *u.Status != "Unauthorized" || (*u.Context)["hint"] != "rotate" || apiErr.REST != nil {
					t.Errorf("401 %s: Unauthorized body not decoded: %+v", op, apiErr)
				}
			} else {
				r := apiErr.REST
				if r == nil || *r.Status != status || (*r.Metadata)["field"] != "child_organization_id" || apiErr.Unauthorized != nil {
					t.Errorf("%d %s: REST body not decoded: %+v", status, op, apiErr)
				}
			}
			if !strings.Contains(err.Error(), w.msg) {
				t.Errorf("%d %s: error text %q lacks the message", status, op, err)
			}
		}
	}
}

func TestNilIDsRejectedBeforeSending(t *testing.T) {
	rec := newReqRecorder(t)
	c := newClient(t, rec.srv.URL)
	if _, err := c.CreateSharedConnection(context.Background(), uuid.Nil, childID); err == nil {
		t.Error("nil parent accepted")
	}
	if _, err := c.CreateSharedConnection(context.Background(), parentID, uuid.Nil); err == nil {
		t.Error("nil child accepted")
	}
	if _, err := c.ListSharedConnections(context.Background(), uuid.Nil); err == nil {
		t.Error("nil parent accepted by list")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) != 0 {
		t.Fatalf("%d requests sent for invalid ids", len(rec.reqs))
	}
}
