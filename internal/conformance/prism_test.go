//go:build contract

// The Prism checks, run by `make contract` (contract/prism.sh), which starts
// Prism and passes its URLs in the environment. Without the contract build
// tag these tests are not compiled, so `make test` stays Go-only.

package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/polyshare/polyshare/wrapper"
)

// prismURL reads a Prism URL from the environment; a missing one fails the
// test rather than skipping it, so a broken script cannot pass silently.
func prismURL(t *testing.T, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		t.Fatalf("%s is not set: run these tests through `make contract`", name)
	}
	return u
}

// judge is a RoundTripper that records every answer Prism marks with an
// sl-violations header (Prism's list of request and response violations)
// and every answer Prism made up itself (application/problem+json: with
// --errors, its answer to a violation).
type judge struct {
	base http.RoundTripper

	mu       sync.Mutex
	seen     int
	problems []string
}

func (j *judge) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := j.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s %s -> %d", req.Method, req.URL.Path, resp.StatusCode)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seen++
	if v := resp.Header.Get("sl-violations"); v != "" {
		j.problems = append(j.problems, where+": Prism reports violations: "+v)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		j.problems = append(j.problems, where+": answered by Prism itself (application/problem+json), not by the server")
	}
	return resp, nil
}

// verdict fails t for every problem seen, and when nothing went through at all.
func (j *judge) verdict(t *testing.T) {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.seen == 0 {
		t.Error("no request went through Prism")
	}
	for _, p := range j.problems {
		t.Error(p)
	}
	t.Logf("Prism judged %d exchanges: %d with violations", j.seen, len(j.problems))
}

// TestPrismProxy runs the conformance scenario through
// `prism proxy --errors openapi.yaml <fake>`, the fake seeded with seed.yaml:
// Prism checks each request the wrapper sends and each answer the fake gives,
// and the scenario fails on any violation it reports.
func TestPrismProxy(t *testing.T) {
	j := &judge{base: http.DefaultTransport}
	Run(t, Target{BaseURL: prismURL(t, "POLYSHARE_PRISM_PROXY_URL"), HTTPClient: &http.Client{Transport: j}})
	j.verdict(t)
}

// prefer asks Prism's mock for a given documented status (Prism's
// `Prefer: code=NNN` request header). The wrapper has no option to add
// headers; a transport under WithHTTPClient is how a caller adds one.
type prefer struct {
	code int
	base http.RoundTripper
}

func (p prefer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Prefer", "code="+strconv.Itoa(p.code))
	return p.base.RoundTrip(req)
}

// documentedErrors returns, for each operation id, the 4xx and 5xx statuses
// openapi.yaml (the document Prism mocks) lists, so a status added to the
// spec is checked without touching this test.
func documentedErrors(t *testing.T) map[string][]int {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	out := map[string][]int{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				n, err := strconv.Atoi(code)
				if err != nil || n < 400 {
					continue
				}
				out[op.OperationID] = append(out[op.OperationID], n)
			}
			slices.Sort(out[op.OperationID])
		}
	}
	return out
}

// TestPrismMock runs the wrapper against `prism mock openapi.yaml`: share
// and list succeed on the documented examples, and every documented error
// status of both operations comes back as a *wrapper.APIError with that
// status and the documented body shape.
func TestPrismMock(t *testing.T) {
	base := prismURL(t, "POLYSHARE_PRISM_MOCK_URL")
	documented := documentedErrors(t)
	// The statuses the API reference lists for both operations: the spec
	// must keep documenting at least these, or this test checks too little.
	for _, op := range []string{wrapper.OpCreateSharedConnection, wrapper.OpListSharedConnections} {
		for _, code := range []int{401, 403, 404, 422, 500} {
			if !slices.Contains(documented[op], code) {
				t.Errorf("openapi.yaml no longer documents %d for %s", code, op)
			}
		}
	}

	j := &judge{base: http.DefaultTransport}
	client := func(t *testing.T, rt http.RoundTripper) *wrapper.Client {
		t.Helper()
		// One attempt: the status the wrapper reports is the one Prism sent.
		c, err := wrapper.New(wrapper.WithBaseURL(base), wrapper.WithAPIKey("mock-key"),
			wrapper.WithHTTPClient(&http.Client{Transport: rt}), wrapper.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	parent, child := Warehouse, CustomerB

	t.Run("share-ok", func(t *testing.T) {
		id, err := client(t, j).CreateSharedConnection(t.Context(), parent, child)
		if err != nil || id == uuid.Nil {
			t.Fatalf("share = %s, %v; want an id", id, err)
		}
	})
	t.Run("list-ok", func(t *testing.T) {
		list, err := client(t, j).ListSharedConnections(t.Context(), parent)
		if err != nil || len(list) == 0 {
			t.Fatalf("list = %d entries, %v; want the documented example", len(list), err)
		}
		if c := list[0]; c.Id == nil || c.ParentConnectionId == nil {
			t.Errorf("list example lacks id or parent_connection_id: %s", describe(c))
		}
	})

	calls := map[string]func(*wrapper.Client) error{
		wrapper.OpCreateSharedConnection: func(c *wrapper.Client) error {
			_, err := c.CreateSharedConnection(t.Context(), parent, child)
			return err
		},
		wrapper.OpListSharedConnections: func(c *wrapper.Client) error {
			_, err := c.ListSharedConnections(t.Context(), parent)
			return err
		},
	}
	for op, codes := range documented {
		call, ok := calls[op]
		if !ok {
			t.Errorf("operation %s is documented but not exercised here", op)
			continue
		}
		for _, code := range codes {
			t.Run(fmt.Sprintf("%s-%d", op, code), func(t *testing.T) {
				err := call(client(t, prefer{code: code, base: j}))
				var apiErr *wrapper.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want *wrapper.APIError", err)
				}
				if apiErr.StatusCode != code || apiErr.Attempts != 1 {
					t.Errorf("StatusCode %d after %d attempts, want %d after 1", apiErr.StatusCode, apiErr.Attempts, code)
				}
				// Prism builds the body from the documented schema.
				if code == http.StatusUnauthorized && apiErr.Unauthorized == nil {
					t.Errorf("401 body not decoded as UnauthorizedError: %v", apiErr)
				}
				if code != http.StatusUnauthorized && apiErr.REST == nil {
					t.Errorf("%d body not decoded as RESTError: %v", code, apiErr)
				}
			})
		}
	}
	j.verdict(t)
}
