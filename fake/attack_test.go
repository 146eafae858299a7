package fake

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Regression tests for the adversarial review's findings; each test names
// the finding it holds down.

// canary stands for a secret a careless config or request could carry.
const canary = "canary-SECRET-123"

// Finding 3: a config file that declares nothing would start a "strict"
// server that is in fact lenient; it is an error. A Go caller passing an
// empty Config still gets lenient mode.
func TestConfigFileDeclaringNothingIsAnError(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"comment only":  "# nothing here\n",
		"null":          "null\n",
		"empty mapping": "{}",
		"empty lists":   "organizations: []\nconnections: []\nkeys: []\n",
		"marker only":   "---\n",
	} {
		if c, err := ParseConfig([]byte(text)); err == nil {
			t.Errorf("%s: accepted as %+v", name, c)
		} else if !strings.Contains(err.Error(), "declares no organizations, connections or keys") {
			t.Errorf("%s: %v", name, err)
		}
	}
	s := newServer(t, WithConfig(Config{}))
	if s.Strict() {
		t.Fatal("New(WithConfig(Config{})) is strict")
	}
}

// Finding 8: everything after a YAML document separator was ignored.
func TestConfigWithSeveralDocumentsIsAnError(t *testing.T) {
	one := "organizations: [{id: " + tChild + "}]\n"
	for name, text := range map[string]string{
		"two documents":         one + "---\nkeys: [{key: k, kind: partner}]\n",
		"broken second doc":     one + "---\n: : [\n",
		"empty second document": one + "---\n---\nkeys: []\n",
	} {
		if _, err := ParseConfig([]byte(text)); err == nil || !strings.Contains(err.Error(), "one YAML document") {
			t.Errorf("%s: %v, want an error about documents", name, err)
		}
	}
	// A leading marker, or an end marker, is still one document.
	for _, text := range []string{"---\n" + one, one + "...\n"} {
		if _, err := ParseConfig([]byte(text)); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// Finding 14: config errors are one line and never quote a value (a
// misplaced key must not reach a terminal or CI log).
func TestConfigErrorsAreOneLineWithoutValues(t *testing.T) {
	for name, text := range map[string]string{
		"key where an id goes":   "organizations: [{id: " + canary + "}]",
		"two bad ids":            "organizations: [{id: " + canary + "-a}, {id: " + canary + "-b}]",
		"keys not a list":        "keys: " + canary,
		"key not a string":       "keys: [{key: [" + canary + "], kind: partner}]",
		"key where a kind goes":  "keys: [{key: k, kind: " + canary + "}]",
		"key as a field name":    "keys: [{" + canary + ": partner}]",
		"syntax error":           "keys: [{key: " + canary + ", kind: partner}\norganizations: {",
		"tab indentation":        "keys:\n\t- key: " + canary,
		"unknown top-level name": "organisations: []",
		"duplicate key":          "keys: [{key: " + canary + ", kind: partner}, {key: " + canary + ", kind: deployment}]",
	} {
		_, err := ParseConfig([]byte(text))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r`") || strings.Contains(msg, "canary") || strings.Contains(msg, "SECRET") {
			t.Errorf("%s: error is not one line without values: %q", name, msg)
		}
		if !strings.HasPrefix(msg, "fake: config: ") {
			t.Errorf("%s: %q lacks the prefix", name, msg)
		}
	}
	// The unknown field's name is kept when it looks like a field name:
	// that is what a reader needs to fix a typo.
	if _, err := ParseConfig([]byte("organisations: []")); err == nil || !strings.Contains(err.Error(), `unknown field organisations`) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("typo: %v", err)
	}
}

// Finding 20: keys that can never authenticate are refused when declared.
func TestConfigRefusesKeysThatCannotAuthenticate(t *testing.T) {
	for name, k := range map[string]Key{
		"blank":               {Key: "   ", Kind: PartnerKey},
		"leading space":       {Key: " " + canary, Kind: PartnerKey},
		"trailing newline":    {Key: canary + "\n", Kind: PartnerKey},
		"control character":   {Key: "can\x00ary", Kind: PartnerKey},
		"deployment with ':'": {Key: "dep:loy", Kind: DeploymentKey},
	} {
		err := Config{Keys: []Key{k}}.Validate()
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "canary") || strings.Contains(err.Error(), "dep:loy") {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
	// A Bearer token may contain ':' and inner spaces.
	if err := (Config{Keys: []Key{{Key: "a:b c", Kind: PartnerKey}}}).Validate(); err != nil {
		t.Errorf("partner key with ':' and a space: %v", err)
	}
}

// Finding 6: 1xx statuses (and 101's protocol switch) and header names or
// values that HTTP cannot carry are refused.
func TestFaultStatusAndHeaderLimits(t *testing.T) {
	s := newServer(t)
	for _, st := range []int{100, 101, 103, 199, 600} {
		if err := s.InjectFault(Fault{Status: st}); err == nil || !strings.Contains(err.Error(), "200-599") {
			t.Errorf("status %d: %v", st, err)
		}
	}
	for _, st := range []int{200, 599} {
		if err := s.InjectFault(Fault{Status: st}); err != nil {
			t.Errorf("status %d: %v", st, err)
		}
	}
	s.ClearFaults()
	for name, h := range map[string]map[string]string{
		"empty name":     {"": "v"},
		"space in name":  {"X A": "v"},
		"colon in name":  {"X:A": "v"},
		"NUL in name":    {"X\x00A": "v"},
		"non-ASCII name": {"X-Ä": "v"},
		"NUL in value":   {"X-A": "a\x00b"},
		"DEL in value":   {"X-A": "a\x7fb"},
		"CR in value":    {"X-A": "a\rb"},
		"LF in value":    {"X-A": "a\nb"},
	} {
		if err := s.InjectFault(Fault{Status: 500, Header: h}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.InjectFault(Fault{Status: 500, Header: map[string]string{"X-A": "tab\tand spaces, ünïcode"}}); err != nil {
		t.Errorf("a valid field value: %v", err)
	}
	s.ClearFaults()
	for _, body := range []string{`{"status":101}`, `{"status":103}`, `{"status":500,"headers":{"X-A":"a\u0000b"}}`} {
		if r := call(t, s, "POST", ControlPrefix+"faults", body); r.status != 422 {
			t.Errorf("%s: %d %s, want 422", body, r.status, r.body)
		}
	}
	if p := s.PendingFaults(); len(p) != 0 {
		t.Fatalf("refused faults were queued: %+v", p)
	}
}

// Finding 7: a misspelt fault field was dropped, turning a targeted fault
// into one that hits every operation; it is a 422 naming the field.
func TestFaultUnknownFieldsAreRefused(t *testing.T) {
	s := newServer(t)
	for body, field := range map[string]string{
		`{"status":500,"opertion":"createSharedConnection"}`: "opertion",
		`{"status":500,"header":{"Retry-After":"1"}}`:        "header",
		`{"status":500,"delay":"1ms","body":"x","extra":1}`:  "extra",
	} {
		r := call(t, s, "POST", ControlPrefix+"faults", body)
		if r.status != 422 || r.json["key"] != keyValidation {
			t.Errorf("%s: %d %s, want 422", body, r.status, r.body)
			continue
		}
		msg, _ := r.json["message"].(string)
		if msg != "unknown field "+field || strings.Contains(r.body, "json:") {
			t.Errorf("%s: message %q, want it to name %s in our words", body, msg, field)
		}
	}
	if p := s.PendingFaults(); len(p) != 0 {
		t.Fatalf("refused faults were queued: %+v", p)
	}
	var f Fault
	if err := json.Unmarshal([]byte(`{"status":500,"Drop":true,"DELAY":"1ms"}`), &f); err != nil || !f.Drop || f.Delay == 0 {
		t.Errorf("known fields in another case: %+v %v", f, err)
	}
}

// Finding 9: an absurd request-log size is an error, not an out-of-memory
// crash or a makeslice panic; the largest allowed size costs nothing until
// requests arrive.
func TestRequestLogSizeIsBounded(t *testing.T) {
	for _, n := range []int{MaxRequestLogSize + 1, 2_000_000_000, math.MaxInt, -1} {
		if _, err := New(WithRequestLogSize(n)); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("size %d: %v, want a one-line error", n, err)
		}
	}
	s := newServer(t, WithRequestLogSize(MaxRequestLogSize))
	for range 3 {
		call(t, s, "GET", sharedPath(tParent), "", bearer("k")...)
	}
	if n := len(s.Requests()); n != 3 {
		t.Fatalf("%d records, want 3", n)
	}
	if c := cap(s.log.ring); c > 1024 {
		t.Fatalf("the log reserved %d records up front", c)
	}
}

// Finding 10: trailing data after the JSON body was ignored.
func TestJSONBodyWithTrailingDataIs422(t *testing.T) {
	s := newServer(t)
	for _, body := range []string{
		shareBody(tChild) + "garbage",
		shareBody(tChild) + shareBody(tChild),
		shareBody(tChild) + "}",
	} {
		r := call(t, s, "POST", sharePath(tParent), body, bearer("k")...)
		if r.status != 422 || r.json["message"] != "the request body is not valid JSON" {
			t.Errorf("%q: %d %s, want 422", body, r.status, r.body)
		}
	}
	if r := call(t, s, "POST", sharePath(tParent), " "+shareBody(tChild)+"\r\n\t ", bearer("k")...); r.status != 200 {
		t.Errorf("whitespace around the body: %d %s", r.status, r.body)
	}
}

// Finding 13: only a known scheme survives redaction, and query values are
// redacted in logged paths.
func TestRequestLogRedactsUnknownSchemesAndQueries(t *testing.T) {
	s := newServer(t)
	for _, c := range []struct{ sent, logged string }{
		{canary + " x", redacted},
		{canary, redacted},
		{"Bearer " + canary, "Bearer " + redacted},
		{"bearer " + canary, "bearer " + redacted},
		{"Basic " + canary, "Basic " + redacted},
		{"Digest username=" + canary, "Digest " + redacted},
		{"Token " + canary, redacted},
	} {
		s.ClearRequests()
		call(t, s, "GET", sharedPath(tParent), "", "Authorization", c.sent, "Proxy-Authorization", c.sent)
		h := s.Requests()[0].Header
		if got := h.Get("Authorization"); got != c.logged {
			t.Errorf("Authorization %q logged as %q, want %q", c.sent, got, c.logged)
		}
		if got := h.Get("Proxy-Authorization"); got != c.logged {
			t.Errorf("Proxy-Authorization %q logged as %q, want %q", c.sent, got, c.logged)
		}
	}
	s.ClearRequests()
	call(t, s, "GET", sharedPath(tParent)+"?token="+canary+"&a=1&"+canary+"&b=&=x", "", bearer("k")...)
	want := sharedPath(tParent) + "?token=[REDACTED]&a=[REDACTED]&[REDACTED]&b=[REDACTED]&=[REDACTED]"
	if got := s.Requests()[0].Path; got != want {
		t.Errorf("path logged as %q, want %q", got, want)
	}
	raw, _ := json.Marshal(s.Requests())
	if strings.Contains(string(raw), "canary") {
		t.Fatalf("the log shows the secret: %s", raw)
	}
}

// Finding 19: ServeMux's 307 text/html redirect for unclean control paths,
// one of which led into the API, is a JSON 404.
func TestUncleanControlPathsGetJSON404(t *testing.T) {
	s := newServer(t)
	for _, p := range []string{
		ControlPrefix + "/health",
		ControlPrefix + "./health",
		ControlPrefix + "x/../health",
		ControlPrefix + "../api/connections/" + tParent + "/shared",
		ControlPrefix + "health/.",
		ControlPrefix + "health/..",
		ControlPrefix + "faults//",
		// The API side was already a JSON 404 (its router matches only
		// clean paths); held here so that it stays one.
		"/api//connections/" + tParent + "/shared",
		"/api/x/../connections/" + tParent + "/shared",
	} {
		r := call(t, s, "GET", p, "")
		if r.status != 404 || r.header.Get("Location") != "" || r.header.Get("Content-Type") != "application/json" || r.json["key"] != keyNotFound {
			t.Errorf("%s: %d %v %s, want the JSON 404", p, r.status, r.header, r.body)
		}
	}
	if r := call(t, s, "GET", ControlPrefix+"health", ""); r.status != 200 {
		t.Fatalf("clean path: %d", r.status)
	}
}

// Finding 22: two Authorization headers are ambiguous; the first no longer wins.
func TestDuplicateAuthorizationIs401(t *testing.T) {
	for name, s := range map[string]*Server{"lenient": newServer(t), "strict": strictServer(t)} {
		for _, second := range []string{"Bearer bogus", "Bearer " + partnerKey} {
			req := httptest.NewRequest("POST", sharePath(tParent), strings.NewReader(shareBody(orgB.String())))
			req.Header.Set("X-Polytomic-Version", tVersion)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Add("Authorization", "Bearer "+partnerKey)
			req.Header.Add("Authorization", second)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized || rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("%s, second %q: %d %s, want 401", name, second, rec.Code, rec.Body)
			}
		}
		if r := call(t, s, "POST", sharePath(tParent), shareBody(orgB.String()), bearer(partnerKey)...); r.status != 200 {
			t.Errorf("%s: one header: %d %s", name, r.status, r.body)
		}
	}
}

// Finding 25: a nil parent is 422 like a nil child, in both modes.
func TestNilParentIs422(t *testing.T) {
	const nilID = "00000000-0000-0000-0000-000000000000"
	for name, s := range map[string]*Server{"lenient": newServer(t), "strict": strictServer(t)} {
		r := call(t, s, "POST", sharePath(nilID), shareBody(orgB.String()), bearer(partnerKey)...)
		if r.status != 422 || r.json["key"] != keyValidation || r.meta()["field"] != "parent_connection_id" || r.meta()["in"] != "path" ||
			r.header.Get("X-Polytomic-Version") != tVersion {
			t.Errorf("%s: %d %v %s, want 422 naming parent_connection_id", name, r.status, r.header, r.body)
		}
		r = call(t, s, "GET", sharedPath(nilID), "", bearer(partnerKey)...)
		if r.status != 422 || r.json["key"] != keyValidation || r.meta()["field"] != "parent_connection_id" || r.meta()["in"] != "path" ||
			r.header.Get("X-Polytomic-Version") != tVersion {
			t.Errorf("%s: list: %d %v %s, want 422 naming parent_connection_id", name, r.status, r.header, r.body)
		}
	}
}
