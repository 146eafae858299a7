package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
)

// Every command answers --help on stdout, exit 0, with a usage line, an
// example and, where it has flags, every flag; the top-level help names
// every command.
func TestHelpTexts(t *testing.T) {
	cases := []struct {
		args  []string
		usage string
		flags []string
	}{
		{[]string{"--help"}, "Usage:\n  polyshare share", []string{"POLYTOMIC_API_KEY", "POLYTOMIC_DEPLOYMENT_KEY", "POLYTOMIC_URL", "POLYTOMIC_VERSION", "Exit codes"}},
		{[]string{"help"}, "Usage:\n  polyshare share", nil},
		{[]string{"share", "--help"}, "Usage: polyshare share", []string{"-parent", "-child", "-name", "-idempotency-key", "-output", "-url", "-api-version", "-timeout", "-max-retries", "-insecure-http"}},
		{[]string{"list", "-h"}, "Usage: polyshare list", []string{"-parent", "-output", "-url", "-api-version", "-timeout", "-max-retries", "-insecure-http"}},
		{[]string{"serve", "--help"}, "Usage: polyshare serve", []string{"-addr", "-config", "-latency", "-access-log", "-request-log-size"}},
		{[]string{"demo", "--help"}, "Usage: polyshare demo", nil},
		{[]string{"version", "--help"}, "Usage: polyshare version", nil},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tc.args...)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.Contains(out, tc.usage) {
				t.Errorf("help lacks %q:\n%s", tc.usage, out)
			}
			if !regexp.MustCompile(`\nExample:\n  .*polyshare `).MatchString(out) {
				t.Errorf("help has no example:\n%s", out)
			}
			for _, f := range tc.flags {
				if !strings.Contains(out, f) {
					t.Errorf("help does not mention %s:\n%s", f, out)
				}
			}
		})
	}
	_, out, _ := runCLI(t, nil, "--help")
	for _, cmd := range []string{"share", "list", "serve", "demo", "version"} {
		if !regexp.MustCompile(`(?m)^  polyshare ` + cmd + `\b`).MatchString(out) {
			t.Errorf("top-level help does not list %s", cmd)
		}
	}
}

// --output json (the default) prints the API's envelope; --output table an
// aligned table whose rows carry the same facts.
func TestOutputFormats(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := fake.NewTestServer(t, fake.WithClock(func() time.Time { return at }))
	key := map[string]string{"POLYTOMIC_API_KEY": secret, "POLYTOMIC_URL": srv.URL}
	const child2 = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"

	// share, json by default and by name
	var ids []string
	for _, args := range [][]string{
		{"share", "--parent", parent, "--child", child, "--name", "Warehouse copy"},
		{"share", "--parent", parent, "--child", child2, "--output", "json"},
	} {
		code, out, errOut := runCLI(t, key, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var env struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &env); err != nil || !uuidRE.MatchString(env.Data.ID) {
			t.Fatalf("%v printed %q, want {\"data\":{\"id\":UUID}}", args, out)
		}
		ids = append(ids, env.Data.ID)
	}

	// share as a table: a header and one row, columns aligned
	code, out, errOut := runCLI(t, key, "share", "--parent", parent, "--child", child, "--output", "table")
	if code != exitOK {
		t.Fatalf("share --output table: exit %d: %s", code, errOut)
	}
	rows := tableRows(t, out, []string{"ID", "PARENT", "ORGANIZATION"})
	if len(rows) != 1 || !uuidRE.MatchString(rows[0][0]) || rows[0][1] != parent || rows[0][2] != child {
		t.Fatalf("share table rows %q", rows)
	}
	ids = append(ids, rows[0][0])

	// list as JSON: the envelope, the three copies, oldest first
	code, out, _ = runCLI(t, key, "list", "--parent", parent)
	var list struct {
		Data []struct {
			ID             string `json:"id"`
			OrganizationID string `json:"organization_id"`
		} `json:"data"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list.Data) != 3 {
		t.Fatalf("list: exit %d, %q", code, out)
	}
	for i, c := range list.Data {
		if c.ID != ids[i] {
			t.Errorf("list json row %d id %s, want %s", i, c.ID, ids[i])
		}
	}

	// list as a table: the same copies, with name, organisation, created
	code, out, _ = runCLI(t, key, "list", "--parent", parent, "--output", "table")
	if code != exitOK {
		t.Fatalf("list --output table: exit %d", code)
	}
	rows = tableRows(t, out, []string{"ID", "NAME", "ORGANIZATION", "TYPE", "STATUS", "CREATED"})
	if len(rows) != 3 {
		t.Fatalf("list table has %d rows, want 3:\n%s", len(rows), out)
	}
	wantOrg := []string{child, child2, child}
	for i, r := range rows {
		if r[0] != ids[i] || r[2] != wantOrg[i] || r[5] != "2025-01-02T03:04:05Z" {
			t.Errorf("list table row %d = %q, want id %s, organisation %s", i, r, ids[i], wantOrg[i])
		}
	}
	if rows[0][1] != "Warehouse copy" {
		t.Errorf("the named copy shows name %q", rows[0][1])
	}
}

// tableRows checks that out is a table with the given header whose columns
// start at the same offset on every line, and returns its rows' cells.
func tableRows(t *testing.T, out string, header []string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var starts []int
	for _, h := range header {
		i := strings.Index(lines[0], h)
		if i < 0 || (len(starts) > 0 && i <= starts[len(starts)-1]) {
			t.Fatalf("header %q lacks column %s in order", lines[0], h)
		}
		starts = append(starts, i)
	}
	var rows [][]string
	for _, l := range lines[1:] {
		var cells []string
		for k, s := range starts {
			if len(l) <= s || (s > 0 && l[s-1] != ' ') || l[s] == ' ' {
				t.Fatalf("line %q: column %s does not start at offset %d", l, header[k], s)
			}
			end := len(l)
			if k+1 < len(starts) {
				end = starts[k+1]
			}
			cells = append(cells, strings.TrimSpace(l[s:end]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// An --output other than json or table is a usage error (exit 2) found
// before anything is sent: the fake sees no request.
func TestOutputInvalid(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": secret, "POLYTOMIC_URL": srv.URL}
	for _, args := range [][]string{
		{"share", "--parent", parent, "--child", child, "--output", "yaml"},
		{"list", "--parent", parent, "--output", "Table"},
		{"list", "--parent", parent, "--output", ""},
	} {
		code, out, errOut := runCLI(t, key, args...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d stdout %q, want 2 and nothing", args, code, out)
		}
		if !strings.Contains(errOut, "is not json or table") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: stderr %q, want one line naming json and table", args, errOut)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want 0", n)
	}
}

// Error messages are one line and say what to do.
func TestErrorMessagesAreActionable(t *testing.T) {
	srv := fake.NewTestServer(t,
		fake.WithOrganization(fake.Organization{ID: uuid.MustParse("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")}),
		fake.WithOrganization(fake.Organization{ID: uuid.MustParse(child)}),
		fake.WithConnection(fake.Connection{ID: uuid.MustParse(parent), OrganizationID: uuid.MustParse("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")}),
		fake.WithPartnerKey("partner-key"),
		fake.WithOrganizationKey(secret, uuid.MustParse(child)),
	)
	withKey := func(k string) map[string]string { return map[string]string{"POLYTOMIC_API_KEY": k} }
	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want []string // each must appear in the one line
	}{
		{"no credential", nil, []string{"list", "--url", srv.URL, "--parent", parent}, exitUsage,
			[]string{"POLYTOMIC_API_KEY", "POLYTOMIC_DEPLOYMENT_KEY"}},
		{"bad uuid", withKey(secret), []string{"list", "--url", srv.URL, "--parent", "248df4b7"}, exitUsage,
			[]string{`--parent "248df4b7" is not a UUID`, "248df4b7-aa70-47b8-a036-33ac447e668d"}},
		{"refused", withKey(secret), []string{"list", "--url", refusedURL(t), "--parent", parent, "--max-retries", "0"}, exitTransport,
			[]string{"connection refused", "--url", "POLYTOMIC_URL"}},
		{"cleartext", withKey(secret), []string{"list", "--url", "http://polytomic.example.com", "--parent", parent}, exitUsage,
			[]string{"cleartext", "--insecure-http"}},
		{"bad url", withKey(secret), []string{"list", "--url", "app.polytomic.com", "--parent", parent}, exitUsage,
			[]string{"not an absolute http(s) URL", "--url", "POLYTOMIC_URL"}},
		{"bad version", withKey(secret), []string{"list", "--url", srv.URL, "--parent", parent, "--api-version", "v2"}, exitUsage,
			[]string{"YYYY-MM-DD", "--api-version", "POLYTOMIC_VERSION"}},
		{"unknown key", withKey("who-knows"), []string{"list", "--url", srv.URL, "--parent", parent}, exitAPI,
			[]string{"401", "POLYTOMIC_API_KEY", "POLYTOMIC_DEPLOYMENT_KEY"}},
		{"organisation key shares", withKey(secret), []string{"share", "--url", srv.URL, "--parent", parent, "--child", child}, exitAPI,
			[]string{"403", "partner key"}},
		{"unknown parent", withKey("partner-key"), []string{"list", "--url", srv.URL, "--parent", "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"}, exitAPI,
			[]string{"404", "check --parent"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.vars, tc.args...)
			if code != tc.code || out != "" {
				t.Fatalf("exit %d stdout %q, want %d and nothing; stderr %q", code, out, tc.code, errOut)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "polyshare "+tc.args[0]+": ") {
				t.Errorf("stderr is not one line starting with the command: %q", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// A --url the client cannot use, and flags the flag package cannot parse,
// are refused before anything is sent, in the CLI's terms (--flag, not
// -flag), with the fix when there is an obvious one.
func TestUsageMistakesAreExplained(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": secret}
	cases := []struct {
		name string
		args []string
		want string // the whole line after "polyshare list: "
	}{
		{"loopback without scheme", []string{"--url", "127.0.0.1:8080"},
			`--url "127.0.0.1:8080" is not an absolute http(s) URL: did you mean http://127.0.0.1:8080? (set --url or POLYTOMIC_URL)`},
		{"host without scheme, with /api", []string{"--url", "app.polytomic.com/api"},
			`--url "app.polytomic.com/api" is not an absolute http(s) URL: did you mean https://app.polytomic.com? (set --url or POLYTOMIC_URL)`},
		{"white space", []string{"--url", " " + srv.URL},
			`--url " ` + srv.URL + `" is not an absolute http(s) URL: remove the white space around it`},
		{"not a URL", []string{"--url", "foo"},
			`--url "foo" is not an absolute http(s) URL (set --url or POLYTOMIC_URL, e.g. https://app.polytomic.com)`},
		{"user info without scheme", []string{"--url", "me:" + secret + "@app.polytomic.com"},
			`--url / POLYTOMIC_URL must not carry a user name or password: put the key in POLYTOMIC_API_KEY or POLYTOMIC_DEPLOYMENT_KEY`},
		{"duration without unit", []string{"--timeout", "5"},
			`invalid value "5" for --timeout: a duration needs a unit, e.g. 5s or 500ms (run 'polyshare list --help' for its flags)`},
		{"not a duration", []string{"--timeout", "soon"},
			`invalid value "soon" for --timeout: not a duration: a number with a unit (ns, us, ms, s, m, h), e.g. 5s or 500ms (run 'polyshare list --help' for its flags)`},
		{"not a number", []string{"--max-retries", "x"},
			`invalid value "x" for --max-retries: not a whole number (run 'polyshare list --help' for its flags)`},
		{"flag without value", []string{"--parent"},
			`--parent needs a value (run 'polyshare list --help' for its flags)`},
		{"unknown flag", []string{"--bogus"},
			`unknown flag --bogus (run 'polyshare list --help' for its flags)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"list", "--parent", parent}, tc.args...)
			if tc.name == "flag without value" {
				args = []string{"list", "--parent"}
			}
			code, out, errOut := runCLI(t, key, args...)
			if code != exitUsage || out != "" {
				t.Fatalf("exit %d stdout %q, want %d and nothing; stderr %q", code, out, exitUsage, errOut)
			}
			if want := "polyshare list: " + tc.want + "\n"; errOut != want {
				t.Errorf("stderr\n %q\nwant\n %q", errOut, want)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want 0", n)
	}
}

// A --url that ends in /api, or points at a path with no API behind it,
// draws a 404 for the route itself: the hint names the base URL to use
// instead of blaming --parent.
func TestWrongBaseURLHint(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": secret}
	for _, suffix := range []string{"/api", "/api/", "/v1"} {
		t.Run(suffix, func(t *testing.T) {
			code, out, errOut := runCLI(t, key, "list", "--url", srv.URL+suffix, "--parent", parent)
			if code != exitAPI || out != "" {
				t.Fatalf("exit %d stdout %q; stderr %q", code, out, errOut)
			}
			want := "(--url should be the server's base URL without /api, e.g. " + srv.URL + ")\n"
			if !strings.HasSuffix(errOut, want) || strings.Contains(errOut, "check --parent") {
				t.Errorf("stderr %q, want it to end in %q", errOut, want)
			}
		})
	}
}

// 'polyshare help CMD' is 'polyshare CMD --help'; anything else is a usage
// error naming the way to the list of commands.
func TestHelpCommand(t *testing.T) {
	for _, cmd := range []string{"share", "list", "serve", "demo", "version"} {
		_, want, _ := runCLI(t, nil, cmd, "--help")
		code, out, errOut := runCLI(t, nil, "help", cmd)
		if code != exitOK || errOut != "" || out != want {
			t.Errorf("help %s: exit %d, stderr %q, stdout differs from %s --help: %v", cmd, code, errOut, cmd, out != want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "nope"}, "polyshare help: unknown command \"nope\" (run 'polyshare --help' for the commands)\n"},
		{[]string{"help", "share", "list"}, "polyshare help: takes one command, got 2 arguments (run 'polyshare --help' for the commands)\n"},
	} {
		code, out, errOut := runCLI(t, nil, tc.args...)
		if code != exitUsage || out != "" || errOut != tc.want {
			t.Errorf("%v: exit %d stdout %q stderr %q, want %d and %q", tc.args, code, out, errOut, exitUsage, tc.want)
		}
	}
}

// A server that hangs up without answering, or in the middle of its answer,
// is a transport failure (exit 3) whose hint says which of the two it was.
func TestHangUpHints(t *testing.T) {
	cases := []struct {
		name  string
		reply string // written before the connection is closed
		want  string
	}{
		{"before answering", "", "(the server closed the connection before answering: check --url / POLYTOMIC_URL)\n"},
		{"mid-answer", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":", "(the server closed the connection in the middle of its answer: try again, or check --url / POLYTOMIC_URL)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					buf := make([]byte, 4096)
					_, _ = c.Read(buf)
					_, _ = c.Write([]byte(tc.reply))
					_ = c.Close()
				}
			}()
			code, out, errOut := runCLI(t, map[string]string{"POLYTOMIC_API_KEY": secret},
				"list", "--url", "http://"+ln.Addr().String(), "--parent", parent, "--max-retries", "0")
			if code != exitTransport || out != "" {
				t.Fatalf("exit %d stdout %q; stderr %q", code, out, errOut)
			}
			if !strings.HasPrefix(errOut, "polyshare list: ") || !strings.HasSuffix(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr %q, want one line ending in %q", errOut, tc.want)
			}
		})
	}
}

// Typos get the name they were probably meant to be; a flag that looks like
// a credential gets where credentials go; serve's --addr mistakes get the
// address to use; an https URL to a plain-HTTP server gets the scheme.
func TestTypoAndAddressHints(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Close() })
	srv := fake.NewTestServer(t)
	httpsURL := "https" + strings.TrimPrefix(srv.URL, "http")
	key := map[string]string{"POLYTOMIC_API_KEY": secret}
	cases := []struct {
		args []string
		code int
		want string // the whole stderr
	}{
		{[]string{"lsit"}, exitUsage,
			"polyshare: unknown command \"lsit\": did you mean list? (run 'polyshare --help' for the commands)\n"},
		{[]string{"xyzzy"}, exitUsage,
			"polyshare: unknown command \"xyzzy\" (run 'polyshare --help' for the commands)\n"},
		{[]string{"help", "shar"}, exitUsage,
			"polyshare help: unknown command \"shar\": did you mean share? (run 'polyshare --help' for the commands)\n"},
		{[]string{"list", "--prent", parent}, exitUsage,
			"polyshare list: unknown flag --prent: did you mean --parent? (run 'polyshare list --help' for its flags)\n"},
		{[]string{"share", "--idempotency_key", "abcdefgh"}, exitUsage,
			"polyshare share: unknown flag --idempotency_key: did you mean --idempotency-key? (run 'polyshare share --help' for its flags)\n"},
		{[]string{"list", "--idempotency-key", "abcdefgh"}, exitUsage,
			"polyshare list: unknown flag --idempotency-key (run 'polyshare list --help' for its flags)\n"},
		{[]string{"list", "--api-key", secret}, exitUsage,
			"polyshare list: unknown flag --api-key: keys are read only from the environment: set POLYTOMIC_API_KEY or POLYTOMIC_DEPLOYMENT_KEY (run 'polyshare list --help' for its flags)\n"},
		{[]string{"list", "-o", "table", "--parent", parent}, exitUsage,
			"polyshare list: unknown flag -o: there are no short flags: did you mean --output? (run 'polyshare list --help' for its flags)\n"},
		{[]string{"list", "-z"}, exitUsage,
			"polyshare list: unknown flag -z: there are no short flags (run 'polyshare list --help' for its flags)\n"},
		{[]string{"list", "--output", "tabel", "--parent", parent}, exitUsage,
			"polyshare list: --output \"tabel\" is not json or table: did you mean table?\n"},
		{[]string{"list", parent}, exitUsage,
			"polyshare list: unexpected argument \"" + parent + "\": ids are given as flags, e.g. --parent UUID (run 'polyshare list --help' for its flags)\n"},
		{[]string{"share", "--parent", parent, "--child", child, "name", "--output", "table"}, exitUsage,
			"polyshare share: unexpected argument \"name\" (run 'polyshare share --help' for its flags)\n"},
		{[]string{"serve", "--addr", "8080"}, exitUsage,
			"polyshare serve: cannot listen on 8080: listen tcp: address 8080: missing port in address (did you mean --addr 127.0.0.1:8080?)\n"},
		{[]string{"serve", "--addr", held.Addr().String()}, exitUsage,
			"polyshare serve: cannot listen on " + held.Addr().String() + ": listen tcp " + held.Addr().String() +
				": bind: address already in use (another process holds that port: stop it, or pick another port; --addr 127.0.0.1:0 picks a free one)\n"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, key, tc.args...)
			if code != tc.code || out != "" || errOut != tc.want {
				t.Errorf("exit %d stdout %q stderr\n %q\nwant exit %d and\n %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
	t.Run("https to plain HTTP", func(t *testing.T) {
		code, out, errOut := runCLI(t, key, "list", "--url", httpsURL, "--parent", parent, "--max-retries", "0")
		want := "(the server speaks plain HTTP: use an http:// URL in --url / POLYTOMIC_URL)\n"
		if code != exitTransport || out != "" || !strings.HasSuffix(errOut, want) {
			t.Errorf("exit %d stdout %q stderr %q, want exit %d ending in %q", code, out, errOut, exitTransport, want)
		}
	})
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"list", "list", 0}, {"lsit", "list", 1}, {"shar", "share", 1},
		{"sahre", "share", 1}, {"serv", "serve", 1}, {"xyzzy", "share", 5}, {"", "demo", 4},
		{"prent", "parent", 1}, {"idempotency_key", "idempotency-key", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
		if got := editDistance(tc.b, tc.a); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.d)
		}
	}
}

// Help lists flags as the README spells them (--name VALUE), says one dash
// works too, and states a default that comes from the environment once, in
// words, whatever the environment holds.
func TestHelpFlagList(t *testing.T) {
	vars := map[string]string{"POLYTOMIC_URL": "http://127.0.0.1:9", "POLYTOMIC_VERSION": "2023-04-25"}
	code, out, _ := runCLI(t, vars, "share", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"\nFlags (one dash or two):\n",
		"\n  --parent UUID\n",
		"\n  --child UUID\n",
		"\n  --timeout DURATION\n",
		"(default 1m0s)",
		"\n  --url URL\n    \tAPI base URL (default: $POLYTOMIC_URL if set, else https://app.polytomic.com)\n",
		"\n  --output FORMAT\n",
		"(default \"json\")",
		"\n  --insecure-http\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("share --help lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"http://127.0.0.1:9", "2023-04-25", "\n  -parent", "(default false)"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("share --help shows %q:\n%s", unwanted, out)
		}
	}
}

// A list that redirects in a loop got an answer: exit 1, one attempt of 10
// hops, not three.
func TestRedirectLoopExitsOne(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := runCLI(t, map[string]string{"POLYTOMIC_API_KEY": secret}, "list", "--url", srv.URL, "--parent", parent)
	mu.Lock()
	defer mu.Unlock()
	if code != exitAPI || out != "" || !strings.Contains(errOut, "stopped after 10 redirects") || n != 10 {
		t.Errorf("exit %d after %d requests, stdout %q, stderr %q; want exit 1 after 10", code, n, out, errOut)
	}
}
