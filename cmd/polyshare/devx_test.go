package main

import (
	"encoding/json"
	"regexp"
	"strings"
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
