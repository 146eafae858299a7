package fake

import (
	"encoding/json"
	"net/http"

	"github.com/polyshare/polyshare/generated"
)

// Error keys used in the {key, message, metadata, status} bodies.
const (
	keyValidation      = "validation_error"
	keyNotFound        = "not_found"
	keyTooLarge        = "request_too_large"
	keyInternal        = "internal_error"
	defaultServedAsVer = "2021-05-23"
)

// writeJSON writes v as the JSON body of a response with the given status.
// Bodies are built from generated types only, so they always match the spec.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Cannot happen for the generated error types; answer with a fixed body.
		b = []byte(`{"key":"internal_error","message":"internal error","status":500}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// restError builds the {key, message, metadata, status} body used for 403,
// 404, 409, 413, 422 and 500.
func restError(status int, key, message string, metadata map[string]any) generated.RESTError {
	e := generated.RESTError{Key: &key, Message: &message, Status: &status}
	if metadata != nil {
		e.Metadata = &metadata
	}
	return e
}

func writeRESTError(w http.ResponseWriter, status int, key, message string, metadata map[string]any) {
	writeJSON(w, status, restError(status, key, message, metadata))
}

// unauthorized builds the {code, context, error, status} body of a 401.
func unauthorized(message string) generated.UnauthorizedError {
	code := http.StatusUnauthorized
	status := http.StatusText(code)
	ctx := map[string]any{}
	return generated.UnauthorizedError{Code: &code, Error: &message, Status: &status, Context: &ctx}
}

func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="polytomic", Basic realm="polytomic"`)
	writeJSON(w, http.StatusUnauthorized, unauthorized(message))
}

func writeValidation(w http.ResponseWriter, field, in, message string) {
	writeRESTError(w, http.StatusUnprocessableEntity, keyValidation, message,
		map[string]any{"field": field, "in": in})
}
