// Package servers builds the share handlers that the in-process handler
// benchmarks (bench/server) and the loopback throughput runs
// (cmd/throughput) compare, so both measure exactly the same code.
package servers

import (
	"io"
	"net/http"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/generated"
)

// ShareBody is the body every load generator sends to the share route.
var ShareBody = []byte(`{"child_organization_id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"}`)

// SharePath is the share route for the parent connection used throughout.
const SharePath = "/api/connections/248df4b7-aa70-47b8-a036-33ac447e668d/share"

// Raw is the ceiling: a ServeMux route that drains the body, echoes the
// version header and answers a canned share envelope.
func Raw() http.Handler {
	body := []byte(`{"data":{"id":"11111111-2222-4333-8444-555555555555"}}`)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/connections/{id}/share", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Polytomic-Version", r.Header.Get("X-Polytomic-Version"))
		_, _ = w.Write(body)
	})
	return mux
}

// FakeWithoutValidation is the fake's store and handlers behind the
// generated strict handler, skipping fake.Server.ServeHTTP (body cap, route
// lookup, kin-openapi validation, the fake's middleware): the gap between
// it and the fake itself is what ServeHTTP costs. The fake offers no switch
// for this, so it is assembled here from the generated code.
func FakeWithoutValidation() (http.Handler, error) {
	srv, err := fake.New()
	if err != nil {
		return nil, err
	}
	return generated.Handler(generated.NewStrictHandler(srv, nil)), nil
}

// Fake is the fake as `polyshare serve` runs it: full validation.
func Fake() (http.Handler, error) { return fake.New() }
