package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that echoes the key in a successful answer does not get it
// printed: not in --output json, not in --output table; nor does a key
// pasted where an argument goes.
func TestKeyNeverPrinted(t *testing.T) {
	const key = "canaryPRINTkey777"
	basic := base64.StdEncoding.EncodeToString([]byte(key + ":"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"id":"0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c","name":"echo `+tok+`","status":"\u0063`+key[1:]+`"}]}`)
	}))
	t.Cleanup(srv.Close)
	for _, vars := range []map[string]string{{"POLYTOMIC_API_KEY": key}, {"POLYTOMIC_DEPLOYMENT_KEY": key}} {
		for _, args := range [][]string{
			{"list", "--url", srv.URL, "--parent", parent},
			{"list", "--url", srv.URL, "--parent", parent, "--output", "table"},
			{"list", "--url", srv.URL, "--parent", parent, key},
		} {
			var out, errb strings.Builder
			code := run(t.Context(), args, env(vars), &out, &errb)
			all := out.String() + errb.String()
			for _, form := range []string{key, basic, strings.TrimRight(basic, "=")} {
				if strings.Contains(all, form) {
					t.Errorf("%v: printed %q:\n%s", args, form, all)
				}
			}
			if !strings.Contains(all, "[redacted]") {
				t.Errorf("%v: exit %d, nothing redacted (control: the key was there to print):\n%s", args, code, all)
			}
		}
	}
}

// --output json escapes what a terminal would act on (U+202E, U+009B, DEL)
// as \uXXXX: the same JSON, decoding to the same strings.
func TestJSONOutputEscapesTerminalControls(t *testing.T) {
	name := "a\u202eb\u009b31mc\x7fd\U0001F600e\u2066"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]any{"data": []map[string]string{{"id": "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c", "name": name}}})
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := runCLI(t, map[string]string{"POLYTOMIC_API_KEY": secret}, "list", "--url", srv.URL, "--parent", parent)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, r := range []string{"\u202e", "\u009b", "\x7f", "\u2066"} {
		if strings.Contains(out, r) {
			t.Errorf("output holds %q raw:\n%s", r, out)
		}
	}
	for _, esc := range []string{`\u202e`, `\u009b`, `\u007f`, `\u2066`, "\U0001F600"} {
		if !strings.Contains(out, esc) {
			t.Errorf("output lacks %s:\n%s", esc, out)
		}
	}
	var got struct {
		Data []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Data) != 1 || got.Data[0].Name != name {
		t.Errorf("output does not decode to the same name: %v %+v", err, got)
	}
}

// A server that echoes the key escaped, next to terminal controls, quotes
// and line breaks, gets the key redacted and everything else still escaped:
// valid JSON, one table row per copy, no raw control characters.
func TestRedactionKeepsOutputInert(t *testing.T) {
	const key = "partner-test-key<"
	names := []string{
		`\u0070artner-test-key<` + " \x1b[31mRED \x1b]0;pwned\x07 \"q\"",
		`\u0070artner-test-key<` + "\n2222-forged  Forged row",
		"a \"quoted\" name\nFAKE-LINE",
		"honest echo " + key,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var data []map[string]string
		for _, n := range names {
			data = append(data, map[string]string{"id": "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c", "name": n})
		}
		b, _ := json.Marshal(map[string]any{"data": data})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	vars := map[string]string{"POLYTOMIC_API_KEY": key}

	code, out, errOut := runCLI(t, vars, "list", "--url", srv.URL, "--parent", parent)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct{ Data []struct{ Name string } }
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Data) != len(names) {
		t.Fatalf("output is not the JSON list (%v):\n%s", err, out)
	}
	want := []string{
		"[redacted] \x1b[31mRED \x1b]0;pwned\x07 \"q\"",
		"[redacted]\n2222-forged  Forged row",
		"a \"quoted\" name\nFAKE-LINE",
		"honest echo [redacted]",
	}
	for i, w := range want {
		if got.Data[i].Name != w {
			t.Errorf("name %d = %q, want %q", i, got.Data[i].Name, w)
		}
	}
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "artner-test-key") {
		t.Errorf("JSON output holds a raw control character or the key:\n%s", out)
	}

	code, out, errOut = runCLI(t, vars, "list", "--url", srv.URL, "--parent", parent, "--output", "table")
	if code != exitOK {
		t.Fatalf("table: exit %d: %s", code, errOut)
	}
	if lines := strings.Count(out, "\n"); lines != 1+len(names) || strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "artner-test-key") {
		t.Errorf("table has %d lines for %d copies, or raw controls, or the key:\n%s", lines, len(names), out)
	}
}

// The writer replaces verbatim spellings only: escaped text stays escaped.
func TestRedactingWriterIsVerbatim(t *testing.T) {
	var b strings.Builder
	w := newRedactingWriter(&b, keys{"partner-test-key"})
	in := "GET /api/%70artner-test-key%1b%5b31m%0aforged 404\npartner-test-key in the clear\nno newline partner-test-key"
	if _, err := io.WriteString(w, in); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "GET /api/%70artner-test-key%1b%5b31m%0aforged 404\n[redacted] in the clear\nno newline [redacted]"
	if b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}
