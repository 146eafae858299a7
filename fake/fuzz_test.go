package fake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// goErrorText are fragments of Go's own error strings (encoding/json,
// strconv, runtime, the generated binders): a body containing one leaks
// internal detail instead of answering in the API's words.
var goErrorText = []string{
	"invalid character", "unexpected end of JSON", "json: ", "strconv.", "runtime error",
	"goroutine ", "can't decode", "Invalid format for parameter", "Header parameter", "%!",
	"unexpected EOF", "panic", "cannot unmarshal",
}

// FuzzServeHTTP sends arbitrary method, path, headers and body to the fake
// and holds it to three rules: never a 5xx for a client's mistake (all of
// these are the client's), never Go error text in a body, every body JSON.
// The seed corpus is in testdata/fuzz/FuzzServeHTTP; the 2 MiB body is
// added here rather than committed as a file.
//
// Run longer with: go test ./fake -run '^$' -fuzz FuzzServeHTTP -fuzztime 2m
func FuzzServeHTTP(f *testing.F) {
	big := `{"child_organization_id":"` + tChild + `","name":"` + strings.Repeat("x", 2<<20) + `"}`
	f.Add("POST", sharePath(tParent), "Authorization: Bearer k\nX-Polytomic-Version: 2024-02-08\nContent-Type: application/json", []byte(big))
	// Every input gets a fresh server: no state (or scripted fault) leaks
	// from one input into the next.
	f.Fuzz(func(t *testing.T, method, path, headers string, body []byte) {
		var raw bytes.Buffer
		raw.WriteString(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		for line := range strings.SplitSeq(headers, "\n") {
			if line = strings.TrimRight(line, "\r"); line != "" && !strings.HasPrefix(strings.ToLower(line), "content-length") {
				raw.WriteString(line + "\r\n")
			}
		}
		raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return // net/http itself refuses it before any handler runs
		}
		s := newServer(t)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		out := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d for a client's request: %s", method, path, rec.Code, out)
		}
		if !json.Valid(out) {
			t.Fatalf("%s %q: status %d, body is not JSON: %q", method, path, rec.Code, out)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %q: Content-Type %q", method, path, ct)
		}
		for _, frag := range goErrorText {
			if bytes.Contains(out, []byte(frag)) {
				t.Fatalf("%s %q: Go error text %q in body: %s", method, path, frag, out)
			}
		}
	})
}

// The hand-written uuid format check accepts exactly what kin-openapi's
// RFC 9562 pattern accepts.
func FuzzUUIDFormatMatchesKinPattern(f *testing.F) {
	re := regexp.MustCompile(openapi3.FormatOfStringForUUIDOfRFC9562)
	for _, s := range []string{
		tParent, strings.ToUpper(tParent), "0189f3a2-7c21-7abc-89de-abc123456789",
		"00000000-0000-0000-0000-000000000000", "ffffffff-FFFF-ffff-ffff-ffffffffffff",
		"248df4b7-aa70-97b8-a036-33ac447e668d", "248df4b7-aa70-47b8-c036-33ac447e668d",
		"248df4b7-aa70-47b8-a036-33ac447e668", "248df4b7aa7047b8a03633ac447e668d", "{248df4b7-aa70-47b8-a036-33ac447e668d}",
		"248df4b7-aa70-47b8-a036-33ac447e668g", "00000000-0000-0000-0000-00000000000f", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isRFC9562UUID(s), re.MatchString(s); got != want {
			t.Fatalf("isRFC9562UUID(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
