package fake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/polyshare/polyshare/generated"
)

// MaxRequestBody is the largest request body the fake reads; larger bodies
// are answered with 413 and a JSON error body.
const MaxRequestBody = 1 << 20

// Server is the fake Polytomic API. It is an http.Handler; its zero value is
// not usable, build it with New. Its methods are safe for concurrent use.
type Server struct {
	handler http.Handler // the generated std-http + strict handler
	control http.Handler // the control API under ControlPrefix
	val     *validator
	now     func() time.Time
	logger  *slog.Logger
	latency time.Duration
	logSize int
	access  *accessLog

	// Strict mode: set by New from the options, read-only afterwards.
	cfg    Config
	strict bool
	keys   map[string]Key
	orgs   map[uuid.UUID]Organization
	conns  map[uuid.UUID]Connection

	faults faultQueue
	log    *requestLog
	idem   idempotencyStore

	// beforeShare, when set (by tests in this package), runs inside the
	// share handler, to hold a request in flight.
	beforeShare func()

	mu     sync.Mutex
	shares map[uuid.UUID][]sharedCopy // shared copies by parent id, oldest first
	// ids buffers crypto/rand for new connection ids: one read of the
	// system's randomness per 256 ids instead of one per id.
	ids *bufio.Reader
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

// WithLatency delays every API request (not control requests) by d, as a
// distant server would; the wait ends early if the client goes away.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithAccessLog writes one line per request to w: time, method, escaped
// path, status ("-" when the connection was dropped) and duration. Headers,
// bodies and queries stay out: they are where credentials travel.
func WithAccessLog(w io.Writer) Option {
	return func(s *Server) { s.access = &accessLog{out: w} }
}

// WithRequestLogSize sets how many requests the request log keeps (the
// newest; DefaultRequestLogSize unless set). 0 turns the log off; New
// refuses a size below 0 or above MaxRequestLogSize.
func WithRequestLogSize(n int) Option { return func(s *Server) { s.logSize = n } }

// New builds a fake server. The embedded spec is parsed and the validation
// router built once per process, on the first call. It fails when the
// options declare an inconsistent configuration (see Config.Validate).
func New(opts ...Option) (*Server, error) {
	val, err := loadValidator()
	if err != nil {
		return nil, err
	}
	s := &Server{
		val:     val,
		now:     time.Now,
		logger:  slog.New(slog.DiscardHandler),
		logSize: DefaultRequestLogSize,
		shares:  make(map[uuid.UUID][]sharedCopy),
		ids:     bufio.NewReaderSize(rand.Reader, 16*256),
	}
	for _, o := range opts {
		o(s)
	}
	if err := s.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fake: config: %w", err)
	}
	if s.logSize < 0 || s.logSize > MaxRequestLogSize {
		return nil, fmt.Errorf("fake: the request log size must be between 0 and %d", MaxRequestLogSize)
	}
	s.strict = s.cfg.strict()
	s.keys = make(map[string]Key, len(s.cfg.Keys))
	for _, k := range s.cfg.Keys {
		s.keys[k.Key] = k
	}
	s.orgs = make(map[uuid.UUID]Organization, len(s.cfg.Organizations))
	for _, o := range s.cfg.Organizations {
		s.orgs[o.ID] = o
	}
	s.conns = make(map[uuid.UUID]Connection, len(s.cfg.Connections))
	for _, c := range s.cfg.Connections {
		s.conns[c.ID] = c
	}
	s.log = newRequestLog(s.logSize)
	s.control = s.newControlHandler()

	mux := http.NewServeMux()
	// Unknown routes get the JSON error body, never ServeMux's text/plain 404.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such API route", map[string]any{"path": r.URL.Path})
	})
	strict := generated.NewStrictHandlerWithOptions(s, []generated.StrictMiddlewareFunc{s.idempotency}, generated.StrictHTTPServerOptions{
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

// Strict reports whether the server runs in strict mode (it was given any
// organisation, connection or key).
func (s *Server) Strict() bool { return s.strict }

// Reset forgets every shared copy, idempotency key, pending fault and logged
// request; the configuration stays.
func (s *Server) Reset() {
	s.mu.Lock()
	s.shares = make(map[uuid.UUID][]sharedCopy)
	s.mu.Unlock()
	s.idem.reset()
	s.faults.clear()
	s.log.clear()
}

// responseWriter remembers the status for the request log.
type responseWriter struct {
	http.ResponseWriter
	status int
	// rec, when set, is the request's entry for log, added by commitLog.
	rec *RequestRecord
	log *requestLog
}

// commitLog adds the request to the request log, once. ServeHTTP does it
// when the handler returns, which is before net/http sends the buffered
// answer; a fault that closes the connection itself (Drop, Truncate) does
// it before closing, so a client that sees the connection end can already
// read the request in the log.
func (w *responseWriter) commitLog() {
	if w.rec != nil {
		w.rec.Status = w.status
		w.log.add(*w.rec)
		w.rec = nil
	}
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush, hijack).
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog serialises access-log lines from concurrent requests.
type accessLog struct {
	mu  sync.Mutex
	out io.Writer
}

func (a *accessLog) write(start time.Time, r *http.Request, w *responseWriter) {
	status := "-"
	if w.status != 0 {
		status = strconv.Itoa(w.status)
	}
	line := fmt.Sprintf("%s %s %s %s %s\n", start.UTC().Format(time.RFC3339Nano), r.Method,
		r.URL.EscapedPath(), status, time.Since(start).Round(time.Microsecond))
	a.mu.Lock()
	_, _ = io.WriteString(a.out, line)
	a.mu.Unlock()
}

// ServeHTTP runs a request through the fake: control API; else version
// echo, route, body cap, scripted faults, latency, credentials, strict
// version check, spec validation, then the generated strict handler (with
// the idempotency middleware). Every API request is logged.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &responseWriter{ResponseWriter: w}
	if s.access != nil {
		defer s.access.write(time.Now(), r, rw)
	}
	if strings.HasPrefix(r.URL.Path, ControlPrefix) {
		if !isCleanPath(r.URL.Path) {
			// ServeMux would answer a text/html 307 to the cleaned path,
			// which for "/__polyshare/../api/..." is an API route.
			writeRESTError(rw, http.StatusNotFound, keyNotFound, "no such control route", map[string]any{"path": r.URL.Path})
			return
		}
		s.control.ServeHTTP(rw, r)
		return
	}
	var rec *RequestRecord
	if s.logSize > 0 {
		// The header map is kept as is and redacted when the log is read:
		// net/http gives each request a map of its own and the fake never
		// changes it, so a copy per request would only cost time.
		rec = &RequestRecord{Time: s.now(), Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header}
		rw.rec, rw.log = rec, s.log
		defer rw.commitLog()
	}
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // net/http's way to abort a response: let it through
			}
			s.logger.Error("fake: handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeRESTError(rw, http.StatusInternalServerError, keyInternal, "internal error", nil)
		}
	}()

	// Every response names the version that served it; without a header the
	// real service serves the oldest version.
	served := r.Header.Get("X-Polytomic-Version")
	if served == "" {
		served = defaultServedAsVer
	}
	rw.Header().Set("X-Polytomic-Version", served)

	route, pathParams, routeErr := s.val.router.FindRoute(r)
	op := ""
	if routeErr == nil {
		op = route.Operation.OperationID
	}
	if rec != nil {
		rec.Operation = op
	}
	body, bodyErr := readBody(r)
	if rec != nil && body != nil {
		rec.Body, rec.BodyTruncated = body, len(body) > maxLoggedBody
		if rec.BodyTruncated {
			rec.Body = append([]byte(nil), body[:maxLoggedBody]...)
		}
	}

	if f, ok := s.faults.take(op); ok {
		if applyFault(rw, r, f) {
			return
		}
		if f.Truncate {
			// Serve normally into a buffer, then send half of it.
			buf := httptest.NewRecorder()
			s.serveAPI(buf, r, route, pathParams, body, routeErr, bodyErr)
			for k, v := range buf.Header() {
				rw.Header()[k] = v
			}
			writeTruncated(rw, buf.Code, buf.Body.Bytes())
			return
		}
	}
	s.serveAPI(rw, r, route, pathParams, body, routeErr, bodyErr)
}

// isCleanPath reports whether p is its own cleaned form (no "//", "/./",
// "/../", trailing "/." or "/.."), a trailing slash kept.
func isCleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// serveAPI is the fake's answer to an API request whose body has been read.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, route *routers.Route, pathParams map[string]string, body []byte, routeErr, bodyErr error) {
	if routeErr != nil {
		// Unknown paths and methods alike: the API has no such route.
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such API route",
			map[string]any{"method": r.Method, "path": r.URL.Path})
		return
	}
	switch {
	case errors.Is(bodyErr, errTooLarge):
		w.Header().Set("Connection", "close")
		writeRESTError(w, http.StatusRequestEntityTooLarge, keyTooLarge, "the request body is larger than 1 MiB",
			map[string]any{"limit_bytes": MaxRequestBody})
		return
	case bodyErr != nil:
		writeValidation(w, "body", "body", "the request body could not be read")
		return
	}
	if !wait(r, s.latency) {
		return
	}
	p, ok := s.authenticate(r)
	if !ok {
		writeUnauthorized(w, "missing or invalid credentials: send a Bearer API key or a Basic deployment key")
		return
	}
	if v := r.Header.Get("X-Polytomic-Version"); s.strict && v != "" && !versionSupported(v) {
		writeRESTError(w, http.StatusUnprocessableEntity, keyValidation,
			"X-Polytomic-Version "+v+" is not supported",
			map[string]any{"field": "X-Polytomic-Version", "in": "header", "supported": SupportedVersions})
		return
	}
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options:    &validateOptions,
	})
	if err != nil {
		field, in, msg := validationFailure(err)
		writeValidation(w, field, in, msg)
		return
	}
	// kin-openapi decodes the first JSON value and ignores what follows it
	// ({...}garbage, two objects); the body has passed the Content-Type
	// check, so it must be JSON, all of it. json.Valid allocates nothing.
	if len(body) > 0 && !json.Valid(body) {
		writeValidation(w, "body", "body", "the request body is not valid JSON")
		return
	}
	s.handler.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
}

var errTooLarge = errors.New("request body too large")

// readBody reads the request body through the size cap and puts it back as
// a re-readable reader. It returns errTooLarge over the cap.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxRequestBody {
		return nil, errTooLarge
	}
	var b []byte
	var err error
	if r.ContentLength > 0 {
		// The usual case: one allocation of the announced size.
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	}
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRequestBody {
		return nil, errTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, nil
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

// sharedCopy is a shared connection as the store keeps it: compact values,
// so that a load test's hundred thousand shares cost the garbage collector
// little; the API's Connection is built when listing.
type sharedCopy struct {
	id, org  uuid.UUID
	name     string
	connType string
	created  time.Time
	// parentNamed: the copy has the name of its lenient-mode parent, built
	// when listing rather than stored with every share.
	parentNamed bool
}

func (c sharedCopy) connection(parent uuid.UUID) generated.Connection {
	status, saved := "healthy", true
	if c.parentNamed {
		c.name = parentName(parent)
	}
	conn := generated.Connection{
		Id:                 &c.id,
		Name:               &c.name,
		OrganizationId:     &c.org,
		ParentConnectionId: &parent,
		Status:             &status,
		Saved:              &saved,
		CreatedAt:          &c.created,
		UpdatedAt:          &c.created,
	}
	if c.connType != "" {
		conn.Type = &generated.ConnectionType{Id: &c.connType}
	}
	return conn
}

// Messages of the strict-mode answers.
const (
	msgRequiresPartner = "requires partner key: only partner keys and the deployment key may share connections"
	msgNoConnection    = "connection not found"
)

// CreateSharedConnection implements generated.StrictServerInterface. A nil
// parent or child id is 422 in both modes. In strict mode it applies, in
// this order: 403 for an organisation key, 404 for
// a parent that does not exist, 422 for an undeclared child organisation or
// the parent's own organisation.
func (s *Server) CreateSharedConnection(ctx context.Context, req generated.CreateSharedConnectionRequestObject) (generated.CreateSharedConnectionResponseObject, error) {
	if s.beforeShare != nil {
		s.beforeShare()
	}
	version := req.Params.XPolytomicVersion
	h422 := generated.CreateSharedConnection422ResponseHeaders{XPolytomicVersion: &version}
	if req.ParentConnectionId == uuid.Nil {
		// The nil UUID matches the spec's uuid format but names nothing,
		// in either mode, like a nil child.
		return generated.CreateSharedConnection422JSONResponse{
			Body: restError(http.StatusUnprocessableEntity, keyValidation, "parent_connection_id must be a non-nil UUID",
				map[string]any{"field": "parent_connection_id", "in": "path"}),
			Headers: h422,
		}, nil
	}
	if req.Body == nil || req.Body.ChildOrganizationId == uuid.Nil {
		msg := "child_organization_id must be a non-nil UUID"
		return generated.CreateSharedConnection422JSONResponse{
			Body:    restError(http.StatusUnprocessableEntity, keyValidation, msg, map[string]any{"field": "child_organization_id", "in": "body"}),
			Headers: h422,
		}, nil
	}
	parent := req.ParentConnectionId
	child := req.Body.ChildOrganizationId
	var name, connType string
	parentNamed := !s.strict // unless the body names the copy
	if s.strict {
		p := principalFrom(ctx)
		if !p.mayShare() {
			return generated.CreateSharedConnection403JSONResponse{
				Body:    restError(http.StatusForbidden, "forbidden", msgRequiresPartner, nil),
				Headers: generated.CreateSharedConnection403ResponseHeaders{XPolytomicVersion: &version},
			}, nil
		}
		pc, ok := s.conns[parent]
		if !ok {
			return generated.CreateSharedConnection404JSONResponse{
				Body:    restError(http.StatusNotFound, keyNotFound, msgNoConnection, map[string]any{"parent_connection_id": parent.String()}),
				Headers: generated.CreateSharedConnection404ResponseHeaders{XPolytomicVersion: &version},
			}, nil
		}
		if _, ok := s.orgs[child]; !ok {
			return generated.CreateSharedConnection422JSONResponse{
				Body: restError(http.StatusUnprocessableEntity, keyValidation, "child_organization_id is not an organization of this partner",
					map[string]any{"field": "child_organization_id", "in": "body"}),
				Headers: h422,
			}, nil
		}
		if child == pc.OrganizationID {
			return generated.CreateSharedConnection422JSONResponse{
				Body: restError(http.StatusUnprocessableEntity, keyValidation, "child_organization_id is the parent connection's own organization",
					map[string]any{"field": "child_organization_id", "in": "body"}),
				Headers: h422,
			}, nil
		}
		name, connType = pc.Name, pc.Type
	}
	if req.Body.Name != nil {
		name, parentNamed = *req.Body.Name, false
	}
	c := sharedCopy{org: child, name: name, connType: connType, created: s.now().UTC().Truncate(time.Second), parentNamed: parentNamed}
	s.mu.Lock()
	id, err := uuid.NewRandomFromReader(s.ids)
	if err == nil {
		c.id = id
		s.shares[parent] = append(s.shares[parent], c)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("fake: new connection id: %w", err)
	}
	return generated.CreateSharedConnection200JSONResponse{
		Body:    generated.SharedConnectionEnvelope{Data: generated.SharedConnectionRef{Id: id}},
		Headers: generated.CreateSharedConnection200ResponseHeaders{XPolytomicVersion: &version},
	}, nil
}

// ListSharedConnections implements generated.StrictServerInterface. In
// strict mode an unknown parent is 404, and an organisation key sees only
// the copies in its own organisation (404 when it owns neither the parent
// nor any copy of it).
func (s *Server) ListSharedConnections(ctx context.Context, req generated.ListSharedConnectionsRequestObject) (generated.ListSharedConnectionsResponseObject, error) {
	version := req.Params.XPolytomicVersion
	parent := req.ParentConnectionId
	if parent == uuid.Nil {
		// As on share: the nil UUID is well-formed but names nothing.
		return generated.ListSharedConnections422JSONResponse{
			Body: restError(http.StatusUnprocessableEntity, keyValidation, "parent_connection_id must be a non-nil UUID",
				map[string]any{"field": "parent_connection_id", "in": "path"}),
			Headers: generated.ListSharedConnections422ResponseHeaders{XPolytomicVersion: &version},
		}, nil
	}
	p := principalFrom(ctx)
	filter := s.strict && p.kind == OrganizationKey
	s.mu.Lock()
	all := s.shares[parent]
	list := make([]generated.Connection, 0, len(all))
	for _, c := range all {
		if !filter || c.org == p.org {
			list = append(list, c.connection(parent))
		}
	}
	s.mu.Unlock()
	if s.strict {
		pc, ok := s.conns[parent]
		if !ok || (filter && pc.OrganizationID != p.org && len(list) == 0) {
			return generated.ListSharedConnections404JSONResponse{
				Body:    restError(http.StatusNotFound, keyNotFound, msgNoConnection, map[string]any{"parent_connection_id": parent.String()}),
				Headers: generated.ListSharedConnections404ResponseHeaders{XPolytomicVersion: &version},
			}, nil
		}
	}
	return generated.ListSharedConnections200JSONResponse{
		Body:    generated.ConnectionListEnvelope{Data: list},
		Headers: generated.ListSharedConnections200ResponseHeaders{XPolytomicVersion: &version},
	}, nil
}
