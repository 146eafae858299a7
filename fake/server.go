package fake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"

	"github.com/polyshare/polyshare/generated"
)

// MaxRequestBody is the largest request body the fake reads; larger bodies
// are answered with 413 and a JSON error body.
const MaxRequestBody = 1 << 20

// Server is the fake Polytomic API. It is an http.Handler; its zero value is
// not usable, build it with New.
type Server struct {
	handler http.Handler
	val     *validator
	now     func() time.Time
	logger  *slog.Logger

	mu     sync.Mutex
	shares map[uuid.UUID][]generated.Connection // shared copies by parent id, oldest first
}

// The fake is, first of all, an implementation of the generated contract.
var _ generated.StrictServerInterface = (*Server)(nil)

// Option configures a Server.
type Option func(*Server)

// WithClock makes the server read the time from now (for created_at), for
// tests that need fixed timestamps.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger sets where the server logs internal failures. Credentials are
// never logged. The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// New builds a fake server. The embedded spec is parsed and the validation
// router built once per process, on the first call.
func New(opts ...Option) (*Server, error) {
	val, err := loadValidator()
	if err != nil {
		return nil, err
	}
	s := &Server{
		val:    val,
		now:    time.Now,
		logger: slog.New(slog.DiscardHandler),
		shares: make(map[uuid.UUID][]generated.Connection),
	}
	for _, o := range opts {
		o(s)
	}

	mux := http.NewServeMux()
	// Unknown routes get the JSON error body, never ServeMux's text/plain 404.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such API route", map[string]any{"path": r.URL.Path})
	})
	strict := generated.NewStrictHandlerWithOptions(s, nil, generated.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, _ error) {
			writeValidation(w, "body", "body", "the request body is not valid JSON")
		},
		ResponseErrorHandlerFunc: s.internalError,
	})
	s.handler = generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{
		BaseRouter:       mux,
		ErrorHandlerFunc: paramError,
	})
	return s, nil
}

// ServeHTTP runs a request through the fake: version echo, body cap, route,
// credentials and spec validation, then the generated strict handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.Error("fake: handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeRESTError(w, http.StatusInternalServerError, keyInternal, "internal error", nil)
		}
	}()

	// Every response names the version that served it; without a header the
	// real service serves the oldest version.
	served := r.Header.Get("X-Polytomic-Version")
	if served == "" {
		served = defaultServedAsVer
	}
	w.Header().Set("X-Polytomic-Version", served)

	if !s.readBody(w, r) {
		return
	}

	route, pathParams, err := s.val.router.FindRoute(r)
	if err != nil {
		// Unknown paths and methods alike: the API has no such route.
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such API route",
			map[string]any{"method": r.Method, "path": r.URL.Path})
		return
	}
	err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: authenticate},
	})
	if err != nil {
		var sec *openapi3filter.SecurityRequirementsError
		if errors.As(err, &sec) {
			writeUnauthorized(w, "missing or invalid credentials: send a Bearer API key or a Basic deployment key")
			return
		}
		field, in, msg := validationFailure(err)
		writeValidation(w, field, in, msg)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// readBody reads the request body through the size cap and puts it back as
// a re-readable reader. It answers 413 and reports false when over the cap.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if r.ContentLength > MaxRequestBody {
		tooLarge(w)
		return false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	_ = r.Body.Close()
	if err != nil {
		writeValidation(w, "body", "body", "the request body could not be read")
		return false
	}
	if len(b) > MaxRequestBody {
		tooLarge(w)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return true
}

func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	writeRESTError(w, http.StatusRequestEntityTooLarge, keyTooLarge, "the request body is larger than 1 MiB",
		map[string]any{"limit_bytes": MaxRequestBody})
}

// paramError answers path and header binding failures (the generated
// wrapper's hook); validation normally catches these first.
func paramError(w http.ResponseWriter, _ *http.Request, err error) {
	var (
		inv *generated.InvalidParamFormatError
		req *generated.RequiredHeaderError
		tmv *generated.TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &inv):
		writeValidation(w, inv.ParamName, "request", "parameter "+inv.ParamName+" is invalid")
	case errors.As(err, &req):
		writeValidation(w, req.ParamName, "header", "header "+req.ParamName+" is required")
	case errors.As(err, &tmv):
		writeValidation(w, tmv.ParamName, "header", "header "+tmv.ParamName+" must be sent once")
	default:
		writeValidation(w, "request", "request", "the request parameters are invalid")
	}
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("fake: response failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeRESTError(w, http.StatusInternalServerError, keyInternal, "internal error", nil)
}

// parentName is the name a parent connection has in lenient mode.
func parentName(id uuid.UUID) string { return "Connection " + id.String() }

// CreateSharedConnection implements generated.StrictServerInterface.
func (s *Server) CreateSharedConnection(_ context.Context, req generated.CreateSharedConnectionRequestObject) (generated.CreateSharedConnectionResponseObject, error) {
	version := req.Params.XPolytomicVersion
	if req.Body == nil || req.Body.ChildOrganizationId == uuid.Nil {
		msg := "child_organization_id must be a non-nil UUID"
		return generated.CreateSharedConnection422JSONResponse{
			Body:    restError(http.StatusUnprocessableEntity, keyValidation, msg, map[string]any{"field": "child_organization_id", "in": "body"}),
			Headers: generated.CreateSharedConnection422ResponseHeaders{XPolytomicVersion: &version},
		}, nil
	}
	name := parentName(req.ParentConnectionId)
	if req.Body.Name != nil {
		name = *req.Body.Name
	}
	id := uuid.New()
	parent := req.ParentConnectionId
	child := req.Body.ChildOrganizationId
	created := s.now().UTC().Truncate(time.Second)
	status, saved := "healthy", true
	c := generated.Connection{
		Id:                 &id,
		Name:               &name,
		OrganizationId:     &child,
		ParentConnectionId: &parent,
		Status:             &status,
		Saved:              &saved,
		CreatedAt:          &created,
		UpdatedAt:          &created,
	}
	s.mu.Lock()
	s.shares[parent] = append(s.shares[parent], c)
	s.mu.Unlock()
	return generated.CreateSharedConnection200JSONResponse{
		Body:    generated.SharedConnectionEnvelope{Data: generated.SharedConnectionRef{Id: id}},
		Headers: generated.CreateSharedConnection200ResponseHeaders{XPolytomicVersion: &version},
	}, nil
}

// ListSharedConnections implements generated.StrictServerInterface.
func (s *Server) ListSharedConnections(_ context.Context, req generated.ListSharedConnectionsRequestObject) (generated.ListSharedConnectionsResponseObject, error) {
	version := req.Params.XPolytomicVersion
	s.mu.Lock()
	list := make([]generated.Connection, len(s.shares[req.ParentConnectionId]))
	copy(list, s.shares[req.ParentConnectionId])
	s.mu.Unlock()
	return generated.ListSharedConnections200JSONResponse{
		Body:    generated.ConnectionListEnvelope{Data: list},
		Headers: generated.ListSharedConnections200ResponseHeaders{XPolytomicVersion: &version},
	}, nil
}
