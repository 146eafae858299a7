package fake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// ControlPrefix is where the fake's own control API lives, beside the
// Polytomic API; no Polytomic path starts with it. Requests under it are not
// logged, not faulted and need no credentials:
//
//	GET    /__polyshare/health     {"status":"ok"}
//	GET    /__polyshare/requests   {"data":[RequestRecord...]} oldest first
//	DELETE /__polyshare/requests   empty the request log
//	GET    /__polyshare/faults     {"data":[Fault...]} still pending
//	POST   /__polyshare/faults     script a Fault (JSON body), answers 201
//	DELETE /__polyshare/faults     remove every pending fault
//	POST   /__polyshare/reset      forget shares, idempotency keys, faults and the log
//
// A Fault's JSON form: {"operation":"createSharedConnection","count":2,
// "status":429,"headers":{"Retry-After":"1"},"body":{...} or "text",
// "delay":"250ms","drop":false,"truncate":false}.
const ControlPrefix = "/__polyshare/"

type statusBody struct {
	Status string `json:"status"`
}

type dataBody[T any] struct {
	Data T `json:"data"`
}

var okBody = statusBody{Status: "ok"}

// newControlHandler builds the control API. Methods are switched by hand so
// that a wrong method gets a JSON body, not ServeMux's text/plain 405.
func (s *Server) newControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such control route", map[string]any{"path": r.URL.Path})
	})
	mux.HandleFunc(ControlPrefix+"health", methods(map[string]http.HandlerFunc{
		http.MethodGet: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, okBody) },
	}))
	mux.HandleFunc(ControlPrefix+"requests", methods(map[string]http.HandlerFunc{
		http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, dataBody[[]RequestRecord]{s.Requests()})
		},
		http.MethodDelete: func(w http.ResponseWriter, _ *http.Request) {
			s.ClearRequests()
			writeJSON(w, http.StatusOK, okBody)
		},
	}))
	mux.HandleFunc(ControlPrefix+"faults", methods(map[string]http.HandlerFunc{
		http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, dataBody[[]Fault]{s.PendingFaults()})
		},
		http.MethodPost: s.postFault,
		http.MethodDelete: func(w http.ResponseWriter, _ *http.Request) {
			s.ClearFaults()
			writeJSON(w, http.StatusOK, okBody)
		},
	}))
	mux.HandleFunc(ControlPrefix+"reset", methods(map[string]http.HandlerFunc{
		http.MethodPost: func(w http.ResponseWriter, _ *http.Request) {
			s.Reset()
			writeJSON(w, http.StatusOK, okBody)
		},
	}))
	return mux
}

// methods dispatches on the request method and answers other methods with the JSON 404 the API itself uses.
func methods(m map[string]http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h, ok := m[r.Method]; ok {
			h(w, r)
			return
		}
		writeRESTError(w, http.StatusNotFound, keyNotFound, "no such control route",
			map[string]any{"method": r.Method, "path": r.URL.Path})
	}
}

func (s *Server) postFault(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil || len(b) > MaxRequestBody {
		writeValidation(w, "body", "body", "the fault could not be read (at most 1 MiB)")
		return
	}
	var f Fault
	if err := json.Unmarshal(b, &f); err != nil {
		msg := "the body must be a JSON fault object"
		var unknown *UnknownFieldError
		switch {
		case errors.Is(err, errFaultDelay):
			msg = errFaultDelay.Error()
		case errors.As(err, &unknown):
			msg = unknown.Error()
		}
		writeValidation(w, "body", "body", msg)
		return
	}
	if err := f.check(); err != nil {
		writeValidation(w, "body", "body", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, dataBody[Fault]{s.faults.add(f)})
}
