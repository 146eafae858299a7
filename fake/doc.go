// Package fake is an in-memory Polytomic server for tests: it implements the
// generated strict server interface (generated.StrictServerInterface), checks
// every request against the embedded OpenAPI document with kin-openapi, and
// answers errors with the JSON bodies the real API documents.
//
// Use NewTestServer in Go tests:
//
//	srv := fake.NewTestServer(t)
//	client, _ := wrapper.New(wrapper.WithBaseURL(srv.URL), wrapper.WithAPIKey("k"))
//
// or `polyshare serve` for tests written in any language.
//
// In its default, lenient mode any non-empty Bearer token or Basic user is
// accepted, any X-Polytomic-Version value is accepted when the header is
// present, and every parent connection id exists.
package fake
