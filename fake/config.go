package fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"

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
// a connection or key naming an undeclared organisation, an unknown kind, a
// key no client could send (blank, padded with white space, holding a
// control character; a deployment key holding ':', which ends the HTTP Basic
// user name). Messages name the entry by its index and never quote a value.
func (c Config) Validate() error {
	orgs := make(map[uuid.UUID]bool, len(c.Organizations))
	for i, o := range c.Organizations {
		if o.ID == uuid.Nil {
			return fmt.Errorf("organizations[%d]: id is required", i)
		}
		if orgs[o.ID] {
			return fmt.Errorf("organizations[%d]: the id is declared twice", i)
		}
		orgs[o.ID] = true
	}
	conns := make(map[uuid.UUID]bool, len(c.Connections))
	for i, cn := range c.Connections {
		switch {
		case cn.ID == uuid.Nil:
			return fmt.Errorf("connections[%d]: id is required", i)
		case conns[cn.ID]:
			return fmt.Errorf("connections[%d]: the id is declared twice", i)
		case !orgs[cn.OrganizationID]:
			return fmt.Errorf("connections[%d]: organization_id is not a declared organization", i)
		}
		conns[cn.ID] = true
	}
	keys := make(map[string]bool, len(c.Keys))
	for i, k := range c.Keys {
		switch {
		case strings.TrimSpace(k.Key) == "":
			return fmt.Errorf("keys[%d]: key is required (it is empty or blank)", i)
		case strings.TrimSpace(k.Key) != k.Key:
			return fmt.Errorf("keys[%d]: key starts or ends with white space, which no client sends", i)
		case strings.ContainsFunc(k.Key, unicode.IsControl):
			return fmt.Errorf("keys[%d]: key contains a control character, which an HTTP header cannot carry", i)
		case keys[k.Key]:
			return fmt.Errorf("keys[%d]: the same key is declared twice", i)
		case !slices.Contains([]KeyKind{PartnerKey, OrganizationKey, DeploymentKey}, k.Kind):
			return fmt.Errorf("keys[%d]: kind must be one of partner, organization, deployment", i)
		case k.Kind == DeploymentKey && strings.Contains(k.Key, ":"):
			return fmt.Errorf("keys[%d]: a deployment key cannot contain ':' (it is sent as the HTTP Basic user name)", i)
		case k.Kind == OrganizationKey && !orgs[k.OrganizationID]:
			return fmt.Errorf("keys[%d]: an organization key needs the organization_id of a declared organization", i)
		case k.Kind != OrganizationKey && k.OrganizationID != uuid.Nil:
			return fmt.Errorf("keys[%d]: only organization keys are bound to an organization_id", i)
		}
		keys[k.Key] = true
	}
	return nil
}

// errDeclaresNothing is a config file without organisations, connections or
// keys: the server it would start says "strict" and is lenient.
var errDeclaresNothing = errors.New("the file declares no organizations, connections or keys (leave the config out for lenient mode)")

// ParseConfig reads a Config from YAML or JSON (JSON is read as YAML, of
// which it is a subset). Unknown fields are errors, so a typo cannot
// silently switch a rule off; so are a second YAML document and a file that
// declares nothing. The result is validated. Errors are one line and never
// quote the file's values (a misplaced key must not reach a log).
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&c)
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		return Config{}, fmt.Errorf("fake: config: %s", yamlProblem(err))
	default:
		var next yaml.Node
		if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
			return Config{}, errors.New("fake: config: the file must hold one YAML document (found a second after ---)")
		}
	}
	if !c.strict() {
		return Config{}, fmt.Errorf("fake: config: %w", errDeclaresNothing)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("fake: config: %w", err)
	}
	return c, nil
}

var (
	yamlLine       = regexp.MustCompile(`\bline (\d+):`)
	yamlUnknown    = regexp.MustCompile(`field (\S+) not found in type`)
	fieldNameLike  = regexp.MustCompile(`^[a-z_]{1,40}$`)
	yamlPlainWords = regexp.MustCompile(`^[a-z][a-z ]{0,80}$`)
)

// yamlProblem words a YAML decoding error in one line of our own, with its
// line number. The YAML library's messages span lines and quote the
// offending value, which may be a key in the wrong place; only a field name
// that looks like one (a typo such as "organisations") is repeated.
func yamlProblem(err error) string {
	msg, more := err.Error(), 0
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg, more = te.Errors[0], len(te.Errors)-1
	}
	var out string
	switch m := yamlUnknown.FindStringSubmatch(msg); {
	case m != nil && fieldNameLike.MatchString(m[1]):
		out = "unknown field " + m[1]
	case m != nil:
		out = "unknown field"
	case strings.Contains(msg, "already defined"):
		out = "a field is given twice"
	case strings.Contains(msg, "cannot unmarshal"):
		out = "a value has the wrong type (ids are UUIDs, organizations, connections and keys are lists)"
	case strings.HasPrefix(msg, "invalid UUID") || strings.HasPrefix(msg, "invalid urn prefix"):
		out = "an id is not a UUID"
	default:
		out = "not valid YAML or JSON"
		// The parser's own problem statements are fixed phrases ("did
		// not find expected key"); keep one when it is nothing else.
		if i := strings.LastIndex(msg, ": "); i >= 0 && yamlPlainWords.MatchString(msg[i+2:]) {
			out += ": " + msg[i+2:]
		}
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		out = "line " + m[1] + ": " + out
	}
	if more > 0 {
		out += fmt.Sprintf(" (and %d more problems)", more)
	}
	return out
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
