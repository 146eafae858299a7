package conformance

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/polyshare/polyshare/fake"
)

// strictFake starts the fake in strict mode, seeded with seed.yaml.
func strictFake(t *testing.T) *fake.TestServer {
	t.Helper()
	seed, err := Seed()
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return fake.NewTestServer(t, fake.WithConfig(seed))
}

// TestFake is the scenario against the fake itself: the same steps that
// `make contract` sends through Prism's proxy.
func TestFake(t *testing.T) {
	srv := strictFake(t)
	if !srv.Strict() {
		t.Fatal("the seeded fake is not in strict mode")
	}
	Run(t, Target{BaseURL: srv.URL})
}

// TestFakeTwice: shares accumulate on a long-running server (polyshare
// serve), so a second run against the same fake must pass as well.
func TestFakeTwice(t *testing.T) {
	srv := strictFake(t)
	for range 2 {
		for _, s := range Scenario(t.Context(), Target{BaseURL: srv.URL}) {
			if s.Err != nil {
				t.Errorf("%s: %v", s.Name, s.Err)
			}
		}
	}
}

// TestSeedFixtures keeps the Go names of the fixtures in step with seed.yaml.
func TestSeedFixtures(t *testing.T) {
	seed, err := Seed()
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	var orgs []string
	for _, o := range seed.Organizations {
		orgs = append(orgs, o.ID.String())
	}
	for _, id := range []string{HQ.String(), CustomerB.String(), CustomerC.String()} {
		if !slices.Contains(orgs, id) {
			t.Errorf("organisation %s is not in seed.yaml", id)
		}
	}
	if len(seed.Connections) != 1 || seed.Connections[0].ID != Warehouse ||
		seed.Connections[0].OrganizationID != HQ || seed.Connections[0].Name != WarehouseName {
		t.Errorf("seed.yaml connections = %+v, want only %s (%q) in HQ", seed.Connections, Warehouse, WarehouseName)
	}
	want := map[string]fake.Key{
		PartnerKey:    {Key: PartnerKey, Kind: fake.PartnerKey},
		DeploymentKey: {Key: DeploymentKey, Kind: fake.DeploymentKey},
		CustomerBKey:  {Key: CustomerBKey, Kind: fake.OrganizationKey, OrganizationID: CustomerB},
	}
	if len(seed.Keys) != len(want) {
		t.Errorf("seed.yaml has %d keys, want %d", len(seed.Keys), len(want))
	}
	for _, k := range seed.Keys {
		if want[k.Key] != k {
			t.Errorf("seed.yaml key of kind %s does not match the Go fixtures", k.Kind)
		}
	}
}

// failing runs the scenario against url and returns the names of the steps
// that failed.
func failing(t *testing.T, url string) []string {
	t.Helper()
	var names []string
	for _, s := range Scenario(t.Context(), Target{BaseURL: url}) {
		if s.Err != nil {
			names = append(names, s.Name)
		}
	}
	return names
}

// TestScenarioCatchesLenientFake: a fake that accepts any key and knows
// every connection fails exactly the steps that need strict rules.
func TestScenarioCatchesLenientFake(t *testing.T) {
	srv := fake.NewTestServer(t)
	got := failing(t, srv.URL)
	want := []string{
		"list-partner-key",      // a lenient fake does not know the parent's name
		"list-organization-key", // and shows every copy to every key
		"401-share-unknown-key", "401-list-unknown-key",
		"403-share-organization-key",
		"404-share-unknown-parent", "404-list-unknown-parent",
		"422-share-undeclared-child", "422-share-own-organization", "422-list-unsupported-version",
	}
	if !slices.Equal(got, want) {
		t.Errorf("failing steps against a lenient fake = %q, want %q", got, want)
	}
}

// TestScenarioCatchesTextErrorBody: a server that answers 404 with a text
// body (the break `make contract` also shows Prism catching) fails exactly
// the two 404 steps.
func TestScenarioCatchesTextErrorBody(t *testing.T) {
	inner := strictFake(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		if rec.Code == http.StatusNotFound {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("404 page not found\n"))
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(broken.Close)
	got := failing(t, broken.URL)
	want := []string{"404-share-unknown-parent", "404-list-unknown-parent"}
	if !slices.Equal(got, want) {
		t.Errorf("failing steps against a text-404 server = %q, want %q", got, want)
	}
}
