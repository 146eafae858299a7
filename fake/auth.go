package fake

import (
	"context"
	"net/http"
	"slices"

	"github.com/google/uuid"
)

// SupportedVersions are the X-Polytomic-Version values strict mode accepts
// (the API notes' list); lenient mode accepts any value.
var SupportedVersions = []string{"2025-09-18", "2024-02-08", "2023-04-25", "2022-12-12", "2021-05-23"}

// principal is who sent a request, found by the auth step in ServeHTTP and
// carried to the strict handlers in the request context.
type principal struct {
	kind KeyKind // empty in lenient mode: any credential may do anything
	org  uuid.UUID
	// scheme ("bearer", "basic"; lenient mode only) and secret separate
	// the idempotency keys of different credentials; see scope.
	scheme, secret string
}

// scope is the principal's idempotency-key namespace. It is built only for
// a request that carries a key, not on every request.
func (p principal) scope() string {
	if p.scheme == "" {
		return p.secret // strict mode: a declared key is one credential
	}
	return p.scheme + ":" + p.secret
}

// mayShare reports whether the principal may create shared connections.
func (p principal) mayShare() bool { return p.kind != OrganizationKey }

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the request's principal; a handler called without
// the auth step (directly, through the interface) acts as a lenient caller.
func principalFrom(ctx context.Context) *principal {
	if p, ok := ctx.Value(principalKey{}).(*principal); ok {
		return p
	}
	return &principal{}
}

// authenticate finds the request's principal. In lenient mode any non-empty
// Bearer token or Basic user is a principal; in strict mode the secret must
// be a declared key sent with its scheme: deployment keys as Basic, the
// others as Bearer.
func (s *Server) authenticate(r *http.Request) (*principal, bool) {
	c, ok := parseCredential(r)
	if !ok {
		return nil, false
	}
	if !s.strict {
		return &principal{scheme: c.scheme, secret: c.secret}, true
	}
	k, ok := s.keys[c.secret]
	if !ok || (k.Kind == DeploymentKey) != (c.scheme == "basic") {
		return nil, false
	}
	return &principal{kind: k.Kind, org: k.OrganizationID, secret: c.secret}, true
}

// versionSupported reports whether strict mode serves version v.
func versionSupported(v string) bool { return slices.Contains(SupportedVersions, v) }
