package fake

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/generated"
)

// maxIdempotencyKeys bounds the remembered keys; the oldest finished ones
// are forgotten first. Polytomic keeps keys for 24 hours; a test double
// that ran out of memory under load would be worse than one that forgets.
const maxIdempotencyKeys = 100_000

// shareRequest is what makes two share requests "the same request": the
// decoded parent, child and name, so formatting differences in the JSON do
// not matter.
type shareRequest struct {
	parent, child uuid.UUID
	hasName       bool
	name          string
}

// idemEntry is one key's state: in flight until resp is set.
type idemEntry struct {
	req  shareRequest
	resp *recordedResponse
}

// idempotencyStore remembers, per credential and key, the first request and
// its response.
type idempotencyStore struct {
	mu      sync.Mutex
	entries map[string]*idemEntry
	order   []string // insertion order, for eviction
}

type idemState int

const (
	idemNew idemState = iota
	idemInFlight
	idemMismatch
	idemDone
)

// begin claims key for req, or says why it cannot: another request with the
// key is in flight, was different, or has finished (its response returned).
func (st *idempotencyStore) begin(key string, req shareRequest) (idemState, *recordedResponse) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if e, ok := st.entries[key]; ok {
		switch {
		case e.req != req:
			return idemMismatch, nil
		case e.resp == nil:
			return idemInFlight, nil
		}
		return idemDone, e.resp
	}
	if st.entries == nil {
		st.entries = make(map[string]*idemEntry)
	}
	st.entries[key] = &idemEntry{req: req}
	st.order = append(st.order, key)
	st.evict()
	return idemNew, nil
}

// evict forgets the oldest finished keys beyond the bound.
func (st *idempotencyStore) evict() {
	for len(st.entries) > maxIdempotencyKeys && len(st.order) > 0 {
		k := st.order[0]
		st.order = st.order[1:]
		if e, ok := st.entries[k]; ok && e.resp == nil {
			st.order = append(st.order, k) // still in flight: keep
			continue
		}
		delete(st.entries, k)
	}
}

// finish stores the response for key; abort forgets a key whose request
// failed without a response, so a retry may run.
func (st *idempotencyStore) finish(key string, resp *recordedResponse) {
	st.mu.Lock()
	if e, ok := st.entries[key]; ok {
		e.resp = resp
	}
	st.mu.Unlock()
}

func (st *idempotencyStore) abort(key string) {
	st.mu.Lock()
	delete(st.entries, key)
	st.mu.Unlock()
}

func (st *idempotencyStore) reset() {
	st.mu.Lock()
	st.entries, st.order = nil, nil
	st.mu.Unlock()
}

// recordedResponse is a response kept byte for byte so that it can be
// replayed. It is a generated.CreateSharedConnectionResponseObject, so a
// replay goes through the strict handler like any other answer.
type recordedResponse struct {
	status int
	header http.Header
	body   []byte
}

var _ generated.CreateSharedConnectionResponseObject = (*recordedResponse)(nil)

// VisitCreateSharedConnectionResponse writes the recorded response and
// marks it as a replay.
func (rr *recordedResponse) VisitCreateSharedConnectionResponse(w http.ResponseWriter) error {
	return rr.write(w, true)
}

func (rr *recordedResponse) write(w http.ResponseWriter, replay bool) error {
	h := w.Header()
	for k, v := range rr.header {
		h[k] = v
	}
	if replay {
		h.Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(rr.status)
	_, err := w.Write(rr.body)
	return err
}

// idempotency is the strict middleware that implements Idempotency-Key for
// createSharedConnection. It runs after credentials and validation, so
// requests rejected before the handler (401, malformed) fix no outcome.
func (s *Server) idempotency(f generated.StrictHandlerFunc, operationID string) generated.StrictHandlerFunc {
	if operationID != "CreateSharedConnection" {
		return f
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		req, ok := request.(generated.CreateSharedConnectionRequestObject)
		if !ok || req.Params.IdempotencyKey == nil {
			return f(ctx, w, r, request)
		}
		sr := shareRequest{parent: req.ParentConnectionId}
		if req.Body != nil {
			sr.child = req.Body.ChildOrganizationId
			if req.Body.Name != nil {
				sr.hasName, sr.name = true, *req.Body.Name
			}
		}
		key := principalFrom(ctx).scope() + "\x00" + *req.Params.IdempotencyKey
		version := req.Params.XPolytomicVersion
		state, prev := s.idem.begin(key, sr)
		switch state {
		case idemDone:
			return prev, nil
		case idemInFlight:
			return generated.CreateSharedConnection409JSONResponse{
				Body: restError(http.StatusConflict, "idempotency_key_in_use",
					"a request with this Idempotency-Key is still being handled; retry later",
					map[string]any{"field": "Idempotency-Key", "in": "header"}),
				Headers: generated.CreateSharedConnection409ResponseHeaders{XPolytomicVersion: &version},
			}, nil
		case idemMismatch:
			return generated.CreateSharedConnection422JSONResponse{
				Body: restError(http.StatusUnprocessableEntity, "idempotency_key_reused",
					"this Idempotency-Key was used with a different request",
					map[string]any{"field": "Idempotency-Key", "in": "header"}),
				Headers: generated.CreateSharedConnection422ResponseHeaders{XPolytomicVersion: &version},
			}, nil
		}
		resp, err := f(ctx, w, r, request)
		obj, ok := resp.(generated.CreateSharedConnectionResponseObject)
		if err != nil || !ok {
			s.idem.abort(key)
			return resp, err
		}
		rec := httptest.NewRecorder()
		if err := obj.VisitCreateSharedConnectionResponse(rec); err != nil {
			s.idem.abort(key)
			return nil, err
		}
		rr := &recordedResponse{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		s.idem.finish(key, rr)
		// The first answer is the recording too, minus the replay mark.
		return firstResponse{rr}, nil
	}
}

// firstResponse is the first answer for a key: the recording, unmarked.
type firstResponse struct{ rr *recordedResponse }

func (fr firstResponse) VisitCreateSharedConnectionResponse(w http.ResponseWriter) error {
	return fr.rr.write(w, false)
}
