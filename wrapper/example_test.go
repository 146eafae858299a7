package wrapper_test

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

// Fixed ids, so that what the examples print does not change between runs.
var (
	partnerOrg  = uuid.MustParse("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")
	customerOne = uuid.MustParse("0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c")
	customerTwo = uuid.MustParse("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9")
	warehouse   = uuid.MustParse("248df4b7-aa70-47b8-a036-33ac447e668d")
)

// startFake runs a fake Polytomic API on a loopback port for an example. In
// a test, fake.NewTestServer(t, opts...) does this and closes it for you.
func startFake(opts ...fake.Option) (*fake.Server, *httptest.Server) {
	srv, err := fake.New(opts...)
	if err != nil {
		panic(err)
	}
	return srv, httptest.NewServer(srv)
}

// strictFake declares one partner organisation owning the warehouse
// connection, two customers, and one key of each kind.
func strictFake() (*fake.Server, *httptest.Server) {
	return startFake(
		fake.WithOrganization(fake.Organization{ID: partnerOrg, Name: "Partner"}),
		fake.WithOrganization(fake.Organization{ID: customerOne, Name: "Customer One"}),
		fake.WithOrganization(fake.Organization{ID: customerTwo, Name: "Customer Two"}),
		fake.WithConnection(fake.Connection{ID: warehouse, Name: "Warehouse", OrganizationID: partnerOrg, Type: "postgresql"}),
		fake.WithPartnerKey("partner-key"),
		fake.WithOrganizationKey("customer-key", customerOne),
		fake.WithDeploymentKey("deployment-key"),
	)
}

// A partner key (or any Polytomic API key) is sent as a Bearer token. Only
// a partner key may share; an organisation's own API key may list.
func ExampleWithAPIKey() {
	srv, hs := strictFake()
	defer hs.Close()

	client, err := wrapper.New(
		wrapper.WithBaseURL(hs.URL), // default: https://app.polytomic.com
		wrapper.WithAPIKey("partner-key"),
	)
	if err != nil {
		panic(err)
	}
	_, err = client.CreateSharedConnection(context.Background(), warehouse, customerOne)
	fmt.Println("share:", err)
	// The fake's request log keeps the scheme, never the key.
	fmt.Println("Authorization:", srv.Requests()[0].Header.Get("Authorization"))
	// Output:
	// share: <nil>
	// Authorization: Bearer [REDACTED]
}

// An on-premises install authenticates with its deployment key, sent as the
// HTTP Basic user name; it has a partner key's powers.
func ExampleWithDeploymentKey() {
	srv, hs := strictFake()
	defer hs.Close()

	client, err := wrapper.New(
		wrapper.WithBaseURL(hs.URL), // your install's URL
		wrapper.WithDeploymentKey("deployment-key"),
	)
	if err != nil {
		panic(err)
	}
	_, err = client.CreateSharedConnection(context.Background(), warehouse, customerOne)
	fmt.Println("share:", err)
	fmt.Println("Authorization:", srv.Requests()[0].Header.Get("Authorization"))
	// Output:
	// share: <nil>
	// Authorization: Basic [REDACTED]
}

// Exactly one credential is required, and an http:// URL is accepted only
// for a loopback host: both are checked before anything is sent.
func ExampleNew_errors() {
	_, err := wrapper.New(wrapper.WithBaseURL("https://polytomic.example.com"))
	fmt.Println(err)
	_, err = wrapper.New(wrapper.WithBaseURL("http://polytomic.example.com"), wrapper.WithAPIKey("k"))
	fmt.Println(err)
	_, err = wrapper.New(wrapper.WithBaseURL("http://polytomic.example.com"), wrapper.WithAPIKey("k"),
		wrapper.WithInsecureHTTP()) // a network you trust
	fmt.Println(err)
	// Output:
	// wrapper: no credential: use WithAPIKey (Bearer API or partner key) or WithDeploymentKey (Basic)
	// wrapper: refusing to send credentials in cleartext to polytomic.example.com: use https, or WithInsecureHTTP to allow it
	// <nil>
}

// Share a connection into a child organisation, naming the copy.
func ExampleClient_CreateSharedConnection() {
	_, hs := strictFake()
	defer hs.Close()
	client, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"))
	if err != nil {
		panic(err)
	}

	id, err := client.CreateSharedConnection(context.Background(), warehouse, customerOne,
		wrapper.WithName("Warehouse (Customer One)"))
	if err != nil {
		panic(err)
	}
	fmt.Println("new shared connection id set:", id != uuid.Nil)
	// Output:
	// new shared connection id set: true
}

// List the shared copies of a connection, oldest first. The fake's clock is
// fixed here so that created_at prints the same every run.
func ExampleClient_ListSharedConnections() {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	_, hs := startFake(fake.WithClock(func() time.Time { return at }))
	defer hs.Close()
	client, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, child := range []uuid.UUID{customerOne, customerTwo} {
		if _, err := client.CreateSharedConnection(ctx, warehouse, child, wrapper.WithName("Warehouse copy")); err != nil {
			panic(err)
		}
	}

	copies, err := client.ListSharedConnections(ctx, warehouse)
	if err != nil {
		panic(err)
	}
	for _, c := range copies {
		fmt.Println(*c.Name, *c.OrganizationId, c.CreatedAt.Format(time.RFC3339))
	}
	// Output:
	// Warehouse copy 0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c 2025-01-02T03:04:05Z
	// Warehouse copy 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 2025-01-02T03:04:05Z
}

// Every non-2xx answer is an *APIError: errors.As gets at the status and the
// decoded body, errors.Is matches the sentinel for the status.
func ExampleAPIError() {
	_, hs := strictFake()
	defer hs.Close()
	customer, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("customer-key"))
	if err != nil {
		panic(err)
	}

	// An organisation's own key may not share.
	_, err = customer.CreateSharedConnection(context.Background(), warehouse, customerOne)
	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("status:", apiErr.StatusCode)
		fmt.Println("attempts:", apiErr.Attempts) // a 403 is never retried
	}
	fmt.Println("forbidden:", errors.Is(err, wrapper.ErrForbidden))
	fmt.Println("not found:", errors.Is(err, wrapper.ErrNotFound))
	// Output:
	// status: 403
	// attempts: 1
	// forbidden: true
	// not found: false
}

// Retries: a share that carries an Idempotency-Key (every share does, unless
// told otherwise) is retried on 429, 5xx and connection failures. Here the
// fake answers the first two attempts with 503.
func ExampleWithMaxAttempts() {
	srv, hs := startFake()
	defer hs.Close()
	if err := srv.InjectFault(fake.Fault{Operation: fake.OpCreateSharedConnection, Count: 2, Status: 503}); err != nil {
		panic(err)
	}
	client, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"),
		wrapper.WithMaxAttempts(3),                                    // the first attempt and two retries (the default)
		wrapper.WithRetryWaits(time.Millisecond, 10*time.Millisecond), // short waits for the example
	)
	if err != nil {
		panic(err)
	}

	_, err = client.CreateSharedConnection(context.Background(), warehouse, customerOne)
	fmt.Println("share:", err)
	reqs := srv.Requests()
	for _, r := range reqs {
		fmt.Println(r.Method, r.Status)
	}
	// Every attempt carried the same key, so the share cannot happen twice.
	fmt.Println("same key:", reqs[0].Header.Get("Idempotency-Key") == reqs[2].Header.Get("Idempotency-Key"))
	// Output:
	// share: <nil>
	// POST 503
	// POST 503
	// POST 200
	// same key: true
}

// A share without an Idempotency-Key is sent exactly once: sending it again
// could create a second copy.
func ExampleWithoutIdempotencyKey() {
	srv, hs := startFake()
	defer hs.Close()
	if err := srv.InjectFault(fake.Fault{Operation: fake.OpCreateSharedConnection, Status: 503}); err != nil {
		panic(err)
	}
	client, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"))
	if err != nil {
		panic(err)
	}

	_, err = client.CreateSharedConnection(context.Background(), warehouse, customerOne, wrapper.WithoutIdempotencyKey())
	fmt.Println("server error:", errors.Is(err, wrapper.ErrServer))
	fmt.Println("requests sent:", len(srv.Requests()))
	// Output:
	// server error: true
	// requests sent: 1
}

// Your own Idempotency-Key makes a share safe to repeat across processes:
// the same key and request get the first answer back, not a second copy.
func ExampleWithIdempotencyKey() {
	_, hs := startFake()
	defer hs.Close()
	client, err := wrapper.New(wrapper.WithBaseURL(hs.URL), wrapper.WithAPIKey("partner-key"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	key := wrapper.WithIdempotencyKey("share-warehouse-customer-one")

	first, err := client.CreateSharedConnection(ctx, warehouse, customerOne, key)
	if err != nil {
		panic(err)
	}
	again, err := client.CreateSharedConnection(ctx, warehouse, customerOne, key) // after a crash, say
	if err != nil {
		panic(err)
	}
	copies, err := client.ListSharedConnections(ctx, warehouse)
	if err != nil {
		panic(err)
	}
	fmt.Println("same id:", first == again)
	fmt.Println("copies:", len(copies))

	// A malformed key is refused before anything is sent.
	_, err = client.CreateSharedConnection(ctx, warehouse, customerOne, wrapper.WithIdempotencyKey("no spaces!"))
	fmt.Println("invalid argument:", errors.Is(err, wrapper.ErrInvalidArgument))
	// Output:
	// same id: true
	// copies: 1
	// invalid argument: true
}
