package polyshare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/polyshare/polyshare/generated/spec"
)

// TestSpecIsValid loads openapi.yaml as kin-openapi sees it and validates it.
func TestSpecIsValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("openapi.yaml")
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", doc.OpenAPI)
	}
	for path, method := range map[string]string{
		"/api/connections/{parent_connection_id}/share":  "POST",
		"/api/connections/{parent_connection_id}/shared": "GET",
	} {
		op := doc.Paths.Find(path).GetOperation(method)
		if op == nil {
			t.Fatalf("%s %s missing", method, path)
		}
		if op.Description == "" || op.Summary == "" {
			t.Errorf("%s %s lacks a summary or description", method, path)
		}
		for _, code := range []string{"200", "401", "403", "404", "422", "500"} {
			if op.Responses.Value(code) == nil {
				t.Errorf("%s %s does not document %s", method, path, code)
			}
		}
	}
	if got := len(doc.Security); got != 2 {
		t.Errorf("security requirements = %d, want 2 alternatives (basic OR bearer)", got)
	}
}

// TestEmbeddedSpecMatchesFile catches a generated/spec that was not
// regenerated after openapi.yaml changed.
func TestEmbeddedSpecMatchesFile(t *testing.T) {
	fromFile, err := openapi3.NewLoader().LoadFromFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := spec.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	// oapi-codegen embeds operationIds with their first letter upper-cased;
	// everything else must be the same document.
	for _, item := range embedded.Paths.Map() {
		for _, op := range item.Operations() {
			op.OperationID = strings.ToLower(op.OperationID[:1]) + op.OperationID[1:]
		}
	}
	a, _ := json.Marshal(fromFile)
	b, _ := json.Marshal(embedded)
	if !bytes.Equal(a, b) {
		t.Fatal("generated/spec differs from openapi.yaml: run make generate")
	}
	if _, err := os.Stat("generated/polytomic.gen.go"); err != nil {
		t.Fatal(err)
	}
}
