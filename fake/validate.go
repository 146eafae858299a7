package fake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/polyshare/polyshare/generated/spec"
)

// validator holds what request validation needs, built once per process:
// parsing the embedded spec and building the router costs ~0.6 ms and
// thousands of allocations, far more than validating a request.
type validator struct {
	router routers.Router
}

// validateOptions are the request-validation options. KeepValidatedValue
// hands the decoded, validated body to the generated strict handler
// (oapi-codegen's runtime binds it from there), so a share body is decoded
// once per request, not twice. The spec declares no defaults to set.
var validateOptions = openapi3filter.Options{KeepValidatedValue: true, SkipSettingDefaults: true}

var (
	validatorOnce sync.Once
	sharedVal     *validator
	sharedValErr  error
)

func loadValidator() (*validator, error) {
	validatorOnce.Do(func() {
		// kin-openapi ignores format: uuid unless a validator is registered;
		// the RFC 9562 pattern accepts every UUID version (v7 included).
		// isRFC9562UUID is that pattern without the regexp engine, which
		// cost ~6% of a share request.
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
			if !isRFC9562UUID(s) {
				return errNotUUID
			}
			return nil
		}))
		doc, err := spec.GetSpec()
		if err != nil {
			sharedValErr = fmt.Errorf("fake: load embedded spec: %w", err)
			return
		}
		// The spec names the production host; requests to the fake come to
		// loopback, so the router must not match on servers.
		doc.Servers = nil
		if err := doc.Validate(context.Background()); err != nil {
			sharedValErr = fmt.Errorf("fake: embedded spec is invalid: %w", err)
			return
		}
		// The fake authenticates every request itself before validating it
		// (the auth step also finds who is calling, for strict mode), with
		// the spec's rule: Basic or Bearer. kin-openapi's security step
		// would only repeat that, copying the body once per scheme.
		doc.Security = nil
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				op.Security = nil
				// oapi-codegen embeds the ids Go-cased (CreateSharedConnection);
				// the fake names operations as openapi.yaml does.
				if id := op.OperationID; id != "" {
					op.OperationID = strings.ToLower(id[:1]) + id[1:]
				}
			}
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			sharedValErr = fmt.Errorf("fake: build router: %w", err)
			return
		}
		sharedVal = &validator{router: r}
	})
	return sharedVal, sharedValErr
}

var errNotUUID = errors.New("not a UUID")

// isRFC9562UUID reports whether s matches openapi3.FormatOfStringForUUIDOfRFC9562:
// the hyphenated hex form with version 1-8 and variant 8-b, or the nil or
// max UUID. TestUUIDFormatMatchesKinPattern holds the two together.
func isRFC9562UUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	allZero, allF := true, true
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
		allZero = allZero && c == '0'
		allF = allF && (c == 'f' || c == 'F')
	}
	if allZero || allF {
		return true
	}
	v, variant := s[14], s[19]
	return v >= '1' && v <= '8' && strings.IndexByte("89abAB", variant) >= 0
}

// credential is what a request's Authorization header carries.
type credential struct {
	scheme string // "bearer" or "basic"
	secret string // the token, or the Basic user name (the deployment key)
}

// parseCredential reads an Authorization header. It reports ok=false when the
// header is absent, sent more than once (which one counts would be a guess),
// malformed or carries an empty secret.
func parseCredential(r *http.Request) (credential, bool) {
	vs := r.Header["Authorization"]
	if len(vs) != 1 {
		return credential{}, false
	}
	h := vs[0]
	scheme, rest, found := strings.Cut(h, " ")
	if !found {
		return credential{}, false
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		tok := strings.TrimSpace(rest)
		return credential{scheme: "bearer", secret: tok}, tok != ""
	case strings.EqualFold(scheme, "Basic"):
		user, _, ok := r.BasicAuth()
		return credential{scheme: "basic", secret: user}, ok && user != ""
	}
	return credential{}, false
}

// validationFailure turns a kin-openapi error into the field, its location
// and a message of our own wording: kin-openapi's error strings stay inside.
func validationFailure(err error) (field, in, message string) {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return "request", "request", "the request does not match the API specification"
	}
	if p := re.Parameter; p != nil {
		field, in = p.Name, p.In
		switch {
		case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
			return field, in, fmt.Sprintf("%s %s is required", in, field)
		case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
			return field, in, fmt.Sprintf("%s %s must not be empty", in, field)
		}
		return field, in, fmt.Sprintf("%s %s %s", in, field, schemaProblem(re.Err, p.Schema.Value))
	}
	in = "body"
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		return "body", in, "a JSON request body is required"
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		return "body", in, "the request body is not valid JSON"
	}
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		ptr := se.JSONPointer()
		if len(ptr) == 0 {
			return "body", in, "the request body " + schemaProblem(se, nil)
		}
		field = strings.Join(ptr, ".")
		return field, in, fmt.Sprintf("%s %s", field, schemaProblem(se, nil))
	}
	if strings.Contains(re.Reason, "Content-Type") {
		return "Content-Type", "header", "Content-Type must be application/json"
	}
	return "body", in, "the request body does not match the API specification"
}

// schemaProblem words what a schema error says, from its schema keyword.
func schemaProblem(err error, schema *openapi3.Schema) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if se.Schema != nil {
			schema = se.Schema
		}
		switch se.SchemaField {
		case "required":
			return "is required"
		case "nullable":
			return "must not be null"
		case "format":
			if schema != nil && schema.Format == "uuid" {
				return "must be a UUID"
			}
			if schema != nil {
				return "must have format " + schema.Format
			}
		case "type":
			if schema != nil && schema.Type != nil && len(*schema.Type) > 0 {
				return "must be of type " + (*schema.Type)[0]
			}
		case "pattern", "minLength", "maxLength":
			return "does not have the required form"
		case "additionalProperties":
			return "has a property that is not allowed"
		}
	}
	if schema != nil && schema.Format == "uuid" {
		return "must be a UUID"
	}
	return "is invalid"
}
