package fake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

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
