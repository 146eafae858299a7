package fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// Config seeds the fake with organisations, connections and keys. A Config
// that declares anything at all switches the fake to strict mode, where only
// declared keys are accepted, only declared connections exist and only
// declared organisations may receive shared copies. The zero Config is the
// lenient default mode.
//
// The same structure is read from YAML or JSON by LoadConfig (see
// fake/testdata/example-config.yaml).
type Config struct {
	// Organizations are the organisations of the partner account.
	Organizations []Organization `json:"organizations,omitempty" yaml:"organizations,omitempty"`
	// Connections are the connections that exist, each in one organisation.
	Connections []Connection `json:"connections,omitempty" yaml:"connections,omitempty"`
	// Keys are the credentials the fake accepts.
	Keys []Key `json:"keys,omitempty" yaml:"keys,omitempty"`
}

// Organization is an organisation of the partner account.
type Organization struct {
	// ID is the organisation's id: the child_organization_id of a share.
	ID uuid.UUID `json:"id" yaml:"id"`
	// Name is for people reading the config; the fake does not use it.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
}

// Connection is a configured data source that may be shared.
type Connection struct {
	// ID is the connection's id: the parent_connection_id of a share.
	ID uuid.UUID `json:"id" yaml:"id"`
	// Name is the name a shared copy takes when the share names none.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// OrganizationID is the organisation that owns the connection; it
	// must be declared, and may not receive a copy of its own connection.
	OrganizationID uuid.UUID `json:"organization_id" yaml:"organization_id"`
	// Type is the connection type's id, for example "postgresql".
	Type string `json:"type,omitempty" yaml:"type,omitempty"`
}

// KeyKind says what a key may do.
type KeyKind string

// The kinds of key Polytomic issues.
const (
	// PartnerKey may share connections between the partner's
	// organisations and sees every organisation. Sent as a Bearer token.
	PartnerKey KeyKind = "partner"
	// OrganizationKey is an API key bound to one organisation: it sees only
	// that organisation's connections and may not share (403). Sent as a
	// Bearer token.
	OrganizationKey KeyKind = "organization"
	// DeploymentKey is an on-premises administrator's key with a partner
	// key's powers. Sent as the HTTP Basic user name.
	DeploymentKey KeyKind = "deployment"
)

// Key is a credential the fake accepts in strict mode.
type Key struct {
	// Key is the secret itself. It never appears in logs or error bodies.
	Key string `json:"key" yaml:"key"`
	// Kind is what the key may do, and so how it must be sent.
	Kind KeyKind `json:"kind" yaml:"kind"`
	// OrganizationID binds an OrganizationKey to its organisation; it must
	// be empty for the other kinds.
	OrganizationID uuid.UUID `json:"organization_id,omitzero" yaml:"organization_id,omitempty"`
}

// strict reports whether c declares anything, which switches strict mode on.
func (c Config) strict() bool {
	return len(c.Organizations) > 0 || len(c.Connections) > 0 || len(c.Keys) > 0
}

// Validate reports the first inconsistency in c: duplicate ids or keys,
// a connection or key naming an undeclared organisation, an unknown kind.
// Secrets are never part of the message.
func (c Config) Validate() error {
	orgs := make(map[uuid.UUID]bool, len(c.Organizations))
	for i, o := range c.Organizations {
		if o.ID == uuid.Nil {
			return fmt.Errorf("organizations[%d]: id is required", i)
		}
		if orgs[o.ID] {
			return fmt.Errorf("organizations[%d]: duplicate id %s", i, o.ID)
		}
		orgs[o.ID] = true
	}
	conns := make(map[uuid.UUID]bool, len(c.Connections))
	for i, cn := range c.Connections {
		switch {
		case cn.ID == uuid.Nil:
			return fmt.Errorf("connections[%d]: id is required", i)
		case conns[cn.ID]:
			return fmt.Errorf("connections[%d]: duplicate id %s", i, cn.ID)
		case !orgs[cn.OrganizationID]:
			return fmt.Errorf("connections[%d]: organization_id %s is not a declared organization", i, cn.OrganizationID)
		}
		conns[cn.ID] = true
	}
	keys := make(map[string]bool, len(c.Keys))
	for i, k := range c.Keys {
		switch {
		case k.Key == "":
			return fmt.Errorf("keys[%d]: key is required", i)
		case keys[k.Key]:
			return fmt.Errorf("keys[%d]: the same key is declared twice", i)
		case !slices.Contains([]KeyKind{PartnerKey, OrganizationKey, DeploymentKey}, k.Kind):
			return fmt.Errorf("keys[%d]: kind %q is not one of partner, organization, deployment", i, k.Kind)
		case k.Kind == OrganizationKey && !orgs[k.OrganizationID]:
			return fmt.Errorf("keys[%d]: an organization key needs the organization_id of a declared organization", i)
		case k.Kind != OrganizationKey && k.OrganizationID != uuid.Nil:
			return fmt.Errorf("keys[%d]: only organization keys are bound to an organization_id", i)
		}
		keys[k.Key] = true
	}
	return nil
}

// ParseConfig reads a Config from YAML or JSON (JSON is read as YAML, of
// which it is a subset). Unknown fields are errors, so a typo cannot
// silently switch a rule off. The result is validated.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("fake: config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("fake: config: %w", err)
	}
	return c, nil
}

// LoadConfig reads and validates a YAML or JSON config file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("fake: %w", err)
	}
	return ParseConfig(b)
}

// WithConfig seeds the server with c (appending to anything declared by
// earlier options) and so switches it to strict mode when c declares
// anything. New validates the combined configuration.
func WithConfig(c Config) Option {
	return func(s *Server) {
		s.cfg.Organizations = append(s.cfg.Organizations, c.Organizations...)
		s.cfg.Connections = append(s.cfg.Connections, c.Connections...)
		s.cfg.Keys = append(s.cfg.Keys, c.Keys...)
	}
}

// WithOrganization declares an organisation (strict mode).
func WithOrganization(o Organization) Option {
	return WithConfig(Config{Organizations: []Organization{o}})
}

// WithConnection declares a connection in a declared organisation (strict mode).
func WithConnection(c Connection) Option {
	return WithConfig(Config{Connections: []Connection{c}})
}

// WithPartnerKey declares a partner key, sent as a Bearer token (strict mode).
func WithPartnerKey(key string) Option {
	return WithConfig(Config{Keys: []Key{{Key: key, Kind: PartnerKey}}})
}

// WithOrganizationKey declares an API key bound to organisation org, sent as
// a Bearer token (strict mode).
func WithOrganizationKey(key string, org uuid.UUID) Option {
	return WithConfig(Config{Keys: []Key{{Key: key, Kind: OrganizationKey, OrganizationID: org}}})
}

// WithDeploymentKey declares an on-premises deployment key, sent as the HTTP
// Basic user name (strict mode).
func WithDeploymentKey(key string) Option {
	return WithConfig(Config{Keys: []Key{{Key: key, Kind: DeploymentKey}}})
}
