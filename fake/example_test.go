package fake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/wrapper"
)

// A strict fake: only the declared keys, organisations and connections
// exist, so a test can check what its code does with a 403 or a 404. In a
// test, fake.NewTestServer(t, opts...) does the httptest part.
func ExampleNew_strict() {
	partnerOrg, customerOrg := uuid.New(), uuid.New()
	warehouse := uuid.New()
	srv, err := fake.New(
		fake.WithOrganization(fake.Organization{ID: partnerOrg, Name: "Partner"}),
		fake.WithOrganization(fake.Organization{ID: customerOrg, Name: "Customer"}),
		fake.WithConnection(fake.Connection{ID: warehouse, Name: "Warehouse", OrganizationID: partnerOrg, Type: "postgresql"}),
		fake.WithPartnerKey("partner-key"),
		fake.WithOrganizationKey("customer-key", customerOrg),
	)
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx := context.Background()

	partner, _ := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"))
	_, err = partner.CreateSharedConnection(ctx, warehouse, customerOrg)
	fmt.Println("partner key:", err)

	customer, _ := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("customer-key"))
	_, err = customer.CreateSharedConnection(ctx, warehouse, customerOrg)
	fmt.Println("organization key forbidden:", errors.Is(err, wrapper.ErrForbidden))

	_, err = partner.CreateSharedConnection(ctx, uuid.New(), customerOrg)
	fmt.Println("unknown parent not found:", errors.Is(err, wrapper.ErrNotFound))

	copies, _ := customer.ListSharedConnections(ctx, warehouse)
	fmt.Println("copies the customer sees:", len(copies))
	fmt.Println("requests logged:", len(srv.Requests()))
	// Output:
	// partner key: <nil>
	// organization key forbidden: true
	// unknown parent not found: true
	// copies the customer sees: 1
	// requests logged: 4
}

// Strict mode from a config file's contents (YAML, or JSON with the same
// fields); fake.LoadConfig reads a file, and `polyshare serve --config FILE`
// does the same for tests in other languages.
func ExampleParseConfig() {
	cfg, err := fake.ParseConfig([]byte(`
organizations:
  - {id: 9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f, name: Partner}
  - {id: 0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c, name: Customer One}
connections:
  - {id: 248df4b7-aa70-47b8-a036-33ac447e668d, name: Warehouse, type: postgresql,
     organization_id: 9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f}
keys:
  - {key: partner-test-key, kind: partner}
`))
	if err != nil {
		panic(err)
	}
	srv, err := fake.New(fake.WithConfig(cfg))
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	warehouse := uuid.MustParse("248df4b7-aa70-47b8-a036-33ac447e668d")
	customer := uuid.MustParse("0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c")
	ctx := context.Background()

	fmt.Println("strict:", srv.Strict())
	partner, _ := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-test-key"))
	_, err = partner.CreateSharedConnection(ctx, warehouse, customer)
	fmt.Println("declared key:", err)
	stranger, _ := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("some-other-key"))
	_, err = stranger.CreateSharedConnection(ctx, warehouse, customer)
	fmt.Println("undeclared key unauthorized:", errors.Is(err, wrapper.ErrUnauthorized))

	// A typo is an error, never a rule silently switched off.
	_, err = fake.ParseConfig([]byte("organisations: []"))
	fmt.Println("typo rejected:", err != nil)
	// Output:
	// strict: true
	// declared key: <nil>
	// undeclared key unauthorized: true
	// typo rejected: true
}

// Fault injection: script the next answers to see what the code under test
// does with a rate limit, an outage, a dropped connection or a cut body.
func ExampleServer_InjectFault() {
	srv, err := fake.New()
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	// The next share answers 429 with Retry-After; the list after it is untouched.
	err = srv.InjectFault(fake.Fault{
		Operation: fake.OpCreateSharedConnection,
		Status:    429,
		Header:    map[string]string{"Retry-After": "1"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("pending faults:", len(srv.PendingFaults()))

	client, _ := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("any-key"), wrapper.WithoutRetries())
	ctx := context.Background()
	parent, child := uuid.New(), uuid.New()
	_, err = client.CreateSharedConnection(ctx, parent, child)
	fmt.Println("rate limited:", errors.Is(err, wrapper.ErrRateLimited))
	_, err = client.CreateSharedConnection(ctx, parent, child)
	fmt.Println("next share:", err)

	// A fault that only delays; the request log shows what the fake saw.
	_ = srv.InjectFault(fake.Fault{Operation: fake.OpListSharedConnections, Delay: 10 * time.Millisecond})
	copies, _ := client.ListSharedConnections(ctx, parent)
	fmt.Println("copies after the delay:", len(copies))
	for _, r := range srv.Requests() {
		fmt.Println(r.Operation, r.Status)
	}

	srv.Reset() // forget shares, keys, faults and the log between tests
	fmt.Println("after reset:", len(srv.Requests()))
	// Output:
	// pending faults: 1
	// rate limited: true
	// next share: <nil>
	// copies after the delay: 1
	// createSharedConnection 429
	// createSharedConnection 200
	// listSharedConnections 200
	// after reset: 0
}
