// Package conformance holds the one scenario that every server speaking
// openapi.yaml must pass when driven through the wrapper client: share and
// list with each kind of key, and every error the fake can produce (401,
// 403, 404, 422). All of its requests are valid against the spec, so every
// error comes from the server's own rules, never from a malformed request.
//
// `make test` runs the scenario directly against the fake in strict mode,
// seeded with seed.yaml (conformance_test.go). `make contract` runs the same
// scenario through Prism's validating proxy in front of
// `polyshare serve --config internal/conformance/seed.yaml` and fails on any
// violation Prism reports (prism_test.go, build tag contract), so what Prism
// judges and what the Go suite checks cannot drift apart.
package conformance

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/wrapper"
)

//go:embed seed.yaml
var seedYAML []byte

// SeedFile is seed.yaml's path from the module root, for
// `polyshare serve --config`.
const SeedFile = "internal/conformance/seed.yaml"

// The fixtures declared in seed.yaml. TestSeedFixtures keeps the two in step.
var (
	// HQ is the partner's own organisation; it owns Warehouse.
	HQ = uuid.MustParse("7d2f6a3c-1b4e-4c8d-9a5f-0e1d2c3b4a50")
	// CustomerB is a child organisation with an organisation key of its own.
	CustomerB = uuid.MustParse("3e8a1f52-6c7d-4b9e-8f0a-1b2c3d4e5f60")
	// CustomerC is a child organisation without keys.
	CustomerC = uuid.MustParse("9c4b2e71-8d6f-4a3b-b5c7-2d3e4f5a6b70")
	// Warehouse is the parent connection that the scenario shares.
	Warehouse = uuid.MustParse("51f0c3a8-2e9d-4b7c-a6e5-3f4a5b6c7d80")
)

// WarehouseName is Warehouse's name, which a copy shared without a name takes.
const WarehouseName = "Warehouse"

// Keys declared in seed.yaml: test fixtures, not credentials.
const (
	PartnerKey    = "conformance-partner-key"
	DeploymentKey = "conformance-deployment-key"
	CustomerBKey  = "conformance-customer-b-key"
)

// Seed returns the strict-mode configuration the scenario expects (seed.yaml).
func Seed() (fake.Config, error) { return fake.ParseConfig(seedYAML) }

// Target is a server to run the scenario against.
type Target struct {
	// BaseURL is the server's base URL, e.g. http://127.0.0.1:4010.
	BaseURL string
	// HTTPClient, when set, carries every request (the Prism checks pass one
	// whose transport inspects each answer); nil means the wrapper's default.
	HTTPClient *http.Client
}

// Step is the outcome of one step of the scenario; Err is nil when it passed.
type Step struct {
	// Name names the step, e.g. "share-partner-key".
	Name string
	// Err says what went wrong; nil when the step passed.
	Err error
}

// Run runs the scenario against target as one subtest per step.
func Run(t *testing.T, target Target) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, s := range Scenario(ctx, target) {
		t.Run(s.Name, func(t *testing.T) {
			if s.Err != nil {
				t.Error(s.Err)
			}
		})
	}
}

// Scenario runs every step against target, in order (later steps list what
// earlier ones shared), and reports each one. It expects a server seeded
// with Seed; shares accumulate, so it may run more than once against the
// same server.
func Scenario(ctx context.Context, target Target) []Step {
	r := &run{ctx: ctx, target: target}
	steps := []struct {
		name string
		do   func(*run) error
	}{
		{"share-partner-key", (*run).sharePartnerKey},
		{"share-deployment-key", (*run).shareDeploymentKey},
		{"list-partner-key", (*run).listPartnerKey},
		{"list-organization-key", (*run).listOrganizationKey},
		{"401-share-unknown-key", (*run).shareUnknownKey},
		{"401-list-unknown-key", (*run).listUnknownKey},
		{"403-share-organization-key", (*run).shareOrganizationKey},
		{"404-share-unknown-parent", (*run).shareUnknownParent},
		{"404-list-unknown-parent", (*run).listUnknownParent},
		{"422-share-undeclared-child", (*run).shareUndeclaredChild},
		{"422-share-own-organization", (*run).shareOwnOrganization},
		{"422-list-unsupported-version", (*run).listUnsupportedVersion},
	}
	out := make([]Step, 0, len(steps))
	for _, s := range steps {
		out = append(out, Step{Name: s.name, Err: s.do(r)})
	}
	return out
}

// run carries what later steps need from earlier ones.
type run struct {
	ctx    context.Context
	target Target
	// copyB and copyC are the shared copies made by the first two steps.
	copyB, copyC uuid.UUID
}

// client builds a wrapper client for the target with the given credential.
func (r *run) client(cred wrapper.Option) (*wrapper.Client, error) {
	opts := []wrapper.Option{wrapper.WithBaseURL(r.target.BaseURL), cred}
	if r.target.HTTPClient != nil {
		opts = append(opts, wrapper.WithHTTPClient(r.target.HTTPClient))
	}
	return wrapper.New(opts...)
}

func (r *run) share(cred wrapper.Option, parent, child uuid.UUID, opts ...wrapper.CallOption) (uuid.UUID, error) {
	c, err := r.client(cred)
	if err != nil {
		return uuid.Nil, err
	}
	return c.CreateSharedConnection(r.ctx, parent, child, opts...)
}

func (r *run) list(cred wrapper.Option, parent uuid.UUID, opts ...wrapper.CallOption) ([]wrapper.Connection, error) {
	c, err := r.client(cred)
	if err != nil {
		return nil, err
	}
	return c.ListSharedConnections(r.ctx, parent, opts...)
}

const copyBName = "Warehouse (Customer B)"

func (r *run) sharePartnerKey() error {
	id, err := r.share(wrapper.WithAPIKey(PartnerKey), Warehouse, CustomerB, wrapper.WithName(copyBName))
	if err != nil {
		return fmt.Errorf("share with the partner key: %w", err)
	}
	r.copyB = id
	return nil
}

func (r *run) shareDeploymentKey() error {
	id, err := r.share(wrapper.WithDeploymentKey(DeploymentKey), Warehouse, CustomerC)
	if err != nil {
		return fmt.Errorf("share with the deployment key: %w", err)
	}
	r.copyC = id
	return nil
}

// listPartnerKey: the partner key sees both copies, each linked to its
// parent, in its organisation, under its name.
func (r *run) listPartnerKey() error {
	got, err := r.list(wrapper.WithAPIKey(PartnerKey), Warehouse)
	if err != nil {
		return fmt.Errorf("list with the partner key: %w", err)
	}
	if err := wantCopy(got, r.copyB, CustomerB, copyBName); err != nil {
		return err
	}
	return wantCopy(got, r.copyC, CustomerC, WarehouseName)
}

// listOrganizationKey: an organisation key sees only the copies in its own
// organisation.
func (r *run) listOrganizationKey() error {
	got, err := r.list(wrapper.WithAPIKey(CustomerBKey), Warehouse)
	if err != nil {
		return fmt.Errorf("list with Customer B's key: %w", err)
	}
	if err := wantCopy(got, r.copyB, CustomerB, copyBName); err != nil {
		return err
	}
	for _, c := range got {
		if c.OrganizationId == nil || *c.OrganizationId != CustomerB {
			return fmt.Errorf("the key of Customer B sees a copy outside Customer B: %s", describe(c))
		}
	}
	return nil
}

func (r *run) shareUnknownKey() error {
	_, err := r.share(wrapper.WithAPIKey("conformance-unknown-key"), Warehouse, CustomerB)
	return wantAPIError(err, http.StatusUnauthorized, "")
}

func (r *run) listUnknownKey() error {
	_, err := r.list(wrapper.WithAPIKey("conformance-unknown-key"), Warehouse)
	return wantAPIError(err, http.StatusUnauthorized, "")
}

func (r *run) shareOrganizationKey() error {
	_, err := r.share(wrapper.WithAPIKey(CustomerBKey), Warehouse, CustomerC)
	return wantAPIError(err, http.StatusForbidden, "forbidden")
}

// unknownParent is a well-formed connection id that seed.yaml does not declare.
var unknownParent = uuid.MustParse("00000000-0000-4000-8000-00000000dead")

func (r *run) shareUnknownParent() error {
	_, err := r.share(wrapper.WithAPIKey(PartnerKey), unknownParent, CustomerB)
	return wantAPIError(err, http.StatusNotFound, "not_found")
}

func (r *run) listUnknownParent() error {
	_, err := r.list(wrapper.WithAPIKey(PartnerKey), unknownParent)
	return wantAPIError(err, http.StatusNotFound, "not_found")
}

func (r *run) shareUndeclaredChild() error {
	undeclared := uuid.MustParse("00000000-0000-4000-8000-0000000000c0")
	_, err := r.share(wrapper.WithAPIKey(PartnerKey), Warehouse, undeclared)
	return wantAPIError(err, http.StatusUnprocessableEntity, "validation_error")
}

func (r *run) shareOwnOrganization() error {
	_, err := r.share(wrapper.WithAPIKey(PartnerKey), Warehouse, HQ)
	return wantAPIError(err, http.StatusUnprocessableEntity, "validation_error")
}

// listUnsupportedVersion: a well-formed version date that the API does not
// serve (the spec types the header as a plain string, so the request is valid).
func (r *run) listUnsupportedVersion() error {
	_, err := r.list(wrapper.WithAPIKey(PartnerKey), Warehouse, wrapper.WithVersion("2000-01-01"))
	return wantAPIError(err, http.StatusUnprocessableEntity, "validation_error")
}

// wantCopy checks that list holds the shared copy id exactly once, in org,
// linked to Warehouse, named name.
func wantCopy(list []wrapper.Connection, id, org uuid.UUID, name string) error {
	if id == uuid.Nil {
		return errors.New("no shared copy to look for: the share step before this one failed")
	}
	var found []wrapper.Connection
	for _, c := range list {
		if c.Id != nil && *c.Id == id {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return fmt.Errorf("shared copy %s listed %d times, want once (%d entries)", id, len(found), len(list))
	}
	c := found[0]
	switch {
	case c.OrganizationId == nil || *c.OrganizationId != org:
		return fmt.Errorf("shared copy in the wrong organisation, want %s: %s", org, describe(c))
	case c.ParentConnectionId == nil || *c.ParentConnectionId != Warehouse:
		return fmt.Errorf("shared copy not linked to parent %s: %s", Warehouse, describe(c))
	case c.Name == nil || *c.Name != name:
		return fmt.Errorf("shared copy named wrongly, want %q: %s", name, describe(c))
	}
	return nil
}

func describe(c wrapper.Connection) string {
	s := func(u *uuid.UUID) string {
		if u == nil {
			return "<none>"
		}
		return u.String()
	}
	name := "<none>"
	if c.Name != nil {
		name = fmt.Sprintf("%q", *c.Name)
	}
	return fmt.Sprintf("{id %s, organization_id %s, parent_connection_id %s, name %s}",
		s(c.Id), s(c.OrganizationId), s(c.ParentConnectionId), name)
}

// wantAPIError checks that err is a *wrapper.APIError with the given status
// and the JSON body the spec documents for it: {code, context, error, status}
// for 401, {key, message, metadata, status} with the given key otherwise.
// A body of another shape (an HTML page, a proxy's problem+json) fails.
func wantAPIError(err error, status int, key string) error {
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) {
		if err == nil {
			return fmt.Errorf("call succeeded, want a %d answer", status)
		}
		return fmt.Errorf("got %w, want a *wrapper.APIError with status %d", err, status)
	}
	if apiErr.StatusCode != status {
		return fmt.Errorf("status %d, want %d: %w", apiErr.StatusCode, status, apiErr)
	}
	if status == http.StatusUnauthorized {
		u := apiErr.Unauthorized
		if u == nil || u.Code == nil || *u.Code != status || u.Error == nil || *u.Error == "" {
			return fmt.Errorf("401 body is not {code: 401, error, ...}: %w (body excerpt %q)", apiErr, apiErr.Body)
		}
		return nil
	}
	rest := apiErr.REST
	if rest == nil || rest.Status == nil || *rest.Status != status || rest.Key == nil || *rest.Key != key ||
		rest.Message == nil || *rest.Message == "" {
		return fmt.Errorf("%d body is not {key: %q, message, status: %d}: %w (body excerpt %q)", status, key, status, apiErr, apiErr.Body)
	}
	return nil
}
