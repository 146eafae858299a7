package fake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The strict-mode world of these tests: a partner organisation A owning the
// warehouse connection, customer organisations B, C and D.
var (
	orgA   = uuid.MustParse("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")
	orgB   = uuid.MustParse(tChild)
	orgC   = uuid.MustParse("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
	orgD   = uuid.MustParse("6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f")
	connW  = uuid.MustParse(tParent)
	connBX = uuid.MustParse("7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b") // a connection of B's own
)

const (
	partnerKey = "pk-secret-partner"
	deployKey  = "dk-secret-deploy"
	orgAKey    = "ok-secret-org-a"
	orgBKey    = "ok-secret-org-b"
	orgDKey    = "ok-secret-org-d"
)

func strictServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithOrganization(Organization{ID: orgA, Name: "Partner"}),
		WithOrganization(Organization{ID: orgB, Name: "Customer B"}),
		WithOrganization(Organization{ID: orgC, Name: "Customer C"}),
		WithOrganization(Organization{ID: orgD, Name: "Customer D"}),
		WithConnection(Connection{ID: connW, Name: "Warehouse", OrganizationID: orgA, Type: "postgresql"}),
		WithConnection(Connection{ID: connBX, Name: "B's CRM", OrganizationID: orgB}),
		WithPartnerKey(partnerKey),
		WithDeploymentKey(deployKey),
		WithOrganizationKey(orgAKey, orgA),
		WithOrganizationKey(orgBKey, orgB),
		WithOrganizationKey(orgDKey, orgD),
	}
	s := newServer(t, append(base, opts...)...)
	if !s.Strict() {
		t.Fatal("a server with keys is not strict")
	}
	return s
}

func basic(user string) []string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, "")
	return []string{"Authorization", r.Header.Get("Authorization"), "X-Polytomic-Version", tVersion, "Content-Type", "application/json"}
}

func TestStrictAuthentication(t *testing.T) {
	s := strictServer(t)
	cases := []struct {
		name    string
		headers []string
		want    int
	}{
		{"unknown bearer key", bearer("nobody-knows-me"), 401},
		{"partner key as Basic", basic(partnerKey), 401},
		{"deployment key as Bearer", bearer(deployKey), 401},
		{"partner key", bearer(partnerKey), 200},
		{"deployment key as Basic", basic(deployKey), 200},
		{"organization key", bearer(orgAKey), 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), c.headers...)
			if r.status != c.want {
				t.Fatalf("status = %d, want %d: %s", r.status, c.want, r.body)
			}
			switch c.want {
			case 401:
				if r.json["code"] != 401.0 || r.json["status"] != "Unauthorized" || r.json["error"] == "" {
					t.Errorf("401 body lacks {code,error,status}: %s", r.body)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			case 403:
				if r.json["status"] != 403.0 || !strings.Contains(r.json["message"].(string), "requires partner key") {
					t.Errorf("403 body = %s, want a message naming the partner key", r.body)
				}
			}
			for _, k := range []string{partnerKey, deployKey, orgAKey, "nobody-knows-me"} {
				if strings.Contains(r.body, k) {
					t.Errorf("the credential appears in the body: %s", r.body)
				}
			}
		})
	}
}

func TestStrictSharePins(t *testing.T) {
	s := strictServer(t)
	pk := bearer(partnerKey)
	cases := []struct {
		name, parent, body string
		want               int
		field              string
	}{
		{"unknown parent", uuid.NewString(), shareBody(orgC.String()), 404, ""},
		{"unknown child organization", tParent, shareBody(uuid.NewString()), 422, "child_organization_id"},
		{"the parent's own organization", tParent, shareBody(orgA.String()), 422, "child_organization_id"},
		{"a declared organization", tParent, shareBody(orgC.String()), 200, ""},
		{"B's own connection into C", connBX.String(), shareBody(orgC.String()), 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, s, "POST", sharePath(c.parent), c.body, pk...)
			if r.status != c.want {
				t.Fatalf("status = %d, want %d: %s", r.status, c.want, r.body)
			}
			if c.want >= 400 && r.json["status"] != float64(c.want) {
				t.Errorf("body status = %v, want %d", r.json["status"], c.want)
			}
			if c.field != "" && r.meta()["field"] != c.field {
				t.Errorf("metadata.field = %v, want %s: %s", r.meta()["field"], c.field, r.body)
			}
		})
	}
}

func TestStrictVersions(t *testing.T) {
	s := strictServer(t)
	for _, v := range SupportedVersions {
		r := call(t, s, "GET", sharedPath(tParent), "", "Authorization", "Bearer "+partnerKey, "X-Polytomic-Version", v)
		if r.status != 200 || r.header.Get("X-Polytomic-Version") != v {
			t.Errorf("version %s: %d %s (echo %q)", v, r.status, r.body, r.header.Get("X-Polytomic-Version"))
		}
	}
	for _, v := range []string{"2024-02-09", "X-Polytomic-Version", "latest"} {
		r := call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()),
			"Authorization", "Bearer "+partnerKey, "X-Polytomic-Version", v, "Content-Type", "application/json")
		if r.status != 422 || r.meta()["field"] != "X-Polytomic-Version" {
			t.Errorf("version %q: %d %s, want 422 naming X-Polytomic-Version", v, r.status, r.body)
		}
	}
	// An unknown key is refused before the version is looked at.
	r := call(t, s, "GET", sharedPath(tParent), "", "Authorization", "Bearer stranger", "X-Polytomic-Version", "1999-01-01")
	if r.status != 401 {
		t.Errorf("unknown key with bad version: %d, want 401", r.status)
	}
}

func TestStrictSharedCopyAndListVisibility(t *testing.T) {
	s := strictServer(t)
	toB := call(t, s, "POST", sharePath(tParent), shareBody(orgB.String()), bearer(partnerKey)...)
	toC := call(t, s, "POST", sharePath(tParent), `{"child_organization_id":"`+orgC.String()+`","name":"C's copy"}`, basic(deployKey)...)
	if toB.status != 200 || toC.status != 200 {
		t.Fatalf("shares: %d %s / %d %s", toB.status, toB.body, toC.status, toC.body)
	}
	ids := func(r result) []string {
		var out []string
		for _, c := range r.list() {
			out = append(out, c["id"].(string))
		}
		return out
	}
	partner := call(t, s, "GET", sharedPath(tParent), "", bearer(partnerKey)...)
	if got := ids(partner); !slices.Equal(got, []string{toB.dataID(), toC.dataID()}) {
		t.Fatalf("partner list = %v, want both copies", got)
	}
	first := partner.list()[0]
	if first["name"] != "Warehouse" || first["organization_id"] != orgB.String() || first["parent_connection_id"] != tParent {
		t.Errorf("copy into B = %v: want the parent's name, B's organization, the parent id", first)
	}
	if typ, _ := first["type"].(map[string]any); typ["id"] != "postgresql" {
		t.Errorf("copy type = %v, want the parent's type postgresql", first["type"])
	}
	if partner.list()[1]["name"] != "C's copy" {
		t.Errorf("named copy = %v", partner.list()[1]["name"])
	}
	// B's key sees only B's copy; A (owner of the parent) sees no copy in
	// its own organisation; D neither owns the parent nor holds a copy.
	if got := ids(call(t, s, "GET", sharedPath(tParent), "", bearer(orgBKey)...)); !slices.Equal(got, []string{toB.dataID()}) {
		t.Errorf("org B list = %v, want only %s", got, toB.dataID())
	}
	if r := call(t, s, "GET", sharedPath(tParent), "", bearer(orgAKey)...); r.status != 200 || len(r.list()) != 0 {
		t.Errorf("org A list = %d %s, want 200 and no copy", r.status, r.body)
	}
	if r := call(t, s, "GET", sharedPath(tParent), "", bearer(orgDKey)...); r.status != 404 {
		t.Errorf("org D list = %d %s, want 404: it may not see the parent", r.status, r.body)
	}
	if r := call(t, s, "GET", sharedPath(uuid.NewString()), "", bearer(partnerKey)...); r.status != 404 {
		t.Errorf("unknown parent list = %d, want 404", r.status)
	}
}

// Lenient mode stays as the foundation defines it: any credential, any
// version value, every parent exists.
func TestLenientModeUnchanged(t *testing.T) {
	s := newServer(t)
	if s.Strict() {
		t.Fatal("a server without config is strict")
	}
	r := call(t, s, "POST", sharePath(uuid.NewString()), shareBody(uuid.NewString()),
		"Authorization", "Bearer anything", "X-Polytomic-Version", "1999-01-01", "Content-Type", "application/json")
	if r.status != 200 {
		t.Fatalf("lenient share = %d %s", r.status, r.body)
	}
	if r := call(t, s, "GET", sharedPath(tParent), "", basic("any-user")...); r.status != 200 {
		t.Errorf("lenient Basic list = %d", r.status)
	}
}

func TestConfigFiles(t *testing.T) {
	cfg, err := LoadConfig("testdata/example-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Organizations) != 3 || len(cfg.Connections) != 1 || len(cfg.Keys) != 3 || cfg.Keys[1].Kind != OrganizationKey {
		t.Fatalf("example config read as %+v", cfg)
	}
	// The same configuration as JSON.
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseConfig(js)
	if err != nil {
		t.Fatalf("JSON config: %v\n%s", err, js)
	}
	s := newServer(t, WithConfig(fromJSON))
	if r := call(t, s, "POST", sharePath(tParent), shareBody("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"), bearer("partner-test-key")...); r.status != 200 {
		t.Fatalf("share with the example partner key: %d %s", r.status, r.body)
	}
	if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("customer-one-key")...); r.status != 403 {
		t.Fatalf("share with the example organization key: %d, want 403", r.status)
	}

	bad := map[string]string{
		"unknown field":           "organisations: []",
		"not a uuid":              "organizations: [{id: nope}]",
		"duplicate organization":  "organizations: [{id: " + tChild + "}, {id: " + tChild + "}]",
		"connection without org":  "connections: [{id: " + tParent + ", organization_id: " + tChild + "}]",
		"org key without org":     "keys: [{key: sekrit-value, kind: organization}]",
		"unknown kind":            "keys: [{key: sekrit-value, kind: admin}]",
		"partner key with org":    "organizations: [{id: " + tChild + "}]\nkeys: [{key: sekrit-value, kind: partner, organization_id: " + tChild + "}]",
		"duplicate key":           "keys: [{key: sekrit-value, kind: partner}, {key: sekrit-value, kind: deployment}]",
		"empty key":               `{"keys": [{"key": "", "kind": "partner"}]}`,
		"JSON with unknown field": `{"keys": [], "extra": 1}`,
	}
	for name, text := range bad {
		_, err := ParseConfig([]byte(text))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "sekrit-value") {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
	if _, err := New(WithOrganizationKey("k", orgB)); err == nil {
		t.Error("New accepted an organization key for an undeclared organization")
	}
	// An empty file is an error (TestConfigFileDeclaringNothingIsAnError);
	// an empty Config from Go is the lenient mode.
	if _, err := ParseConfig(nil); err == nil {
		t.Error("an empty config file was accepted")
	}
}

// In lenient mode a copy without a name takes its parent's; one named ""
// keeps "".
func TestLenientNames(t *testing.T) {
	s := newServer(t)
	for _, body := range []string{shareBody(tChild), `{"child_organization_id":"` + tChild + `","name":""}`, `{"child_organization_id":"` + tChild + `","name":"Mine"}`} {
		if r := call(t, s, "POST", sharePath(tParent), body, bearer("k")...); r.status != 200 {
			t.Fatalf("%s: %d %s", body, r.status, r.body)
		}
	}
	l := call(t, s, "GET", sharedPath(tParent), "", bearer("k")...).list()
	if len(l) != 3 || l[0]["name"] != "Connection "+tParent || l[1]["name"] != "" || l[2]["name"] != "Mine" {
		t.Errorf("names: %v %v %v", l[0]["name"], l[1]["name"], l[2]["name"])
	}
}
