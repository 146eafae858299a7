package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/polyshare/polyshare/fake"
)

const (
	parent = "248df4b7-aa70-47b8-a036-33ac447e668d"
	child  = "0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c"
	secret = "canary-cli-secret-42"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func runCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env(vars), &out, &errb)
	if strings.Contains(out.String()+errb.String(), secret) {
		t.Fatalf("the credential was printed: %s %s", out.String(), errb.String())
	}
	return code, out.String(), errb.String()
}

func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestExitCodes(t *testing.T) {
	srv := fake.NewTestServer(t)
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"key":"not_found","message":"connection not found","status":404}`))
	}))
	t.Cleanup(notFound.Close)
	key := map[string]string{"POLYTOMIC_API_KEY": secret}

	cases := []struct {
		name     string
		vars     map[string]string
		args     []string
		code     int
		stdout   string // regexp
		stderrRE string
	}{
		{"share ok", key, []string{"share", "--url", srv.URL, "--parent", parent, "--child", child}, 0, `"id": "` + uuidRE.String() + `"`, ""},
		{"list ok", key, []string{"list", "--url", srv.URL, "--parent", parent}, 0, `"data": \[`, ""},
		{"deployment key", map[string]string{"POLYTOMIC_DEPLOYMENT_KEY": secret}, []string{"list", "--url", srv.URL, "--parent", parent}, 0, `"data"`, ""},
		{"url from env", map[string]string{"POLYTOMIC_API_KEY": secret, "POLYTOMIC_URL": srv.URL}, []string{"list", "--parent", parent}, 0, `"data"`, ""},
		{"api error", key, []string{"share", "--url", notFound.URL, "--parent", parent, "--child", child}, 1, `^$`, `404 Not Found: connection not found`},
		{"bad parent uuid", key, []string{"share", "--url", srv.URL, "--parent", "not-a-uuid", "--child", child}, 2, `^$`, `--parent "not-a-uuid" is not a UUID`},
		{"bad child uuid", key, []string{"share", "--url", srv.URL, "--parent", parent, "--child", "1234"}, 2, `^$`, `--child`},
		{"missing parent", key, []string{"list", "--url", srv.URL}, 2, `^$`, `--parent is required`},
		{"no credential", nil, []string{"list", "--url", srv.URL, "--parent", parent}, 2, `^$`, `POLYTOMIC_API_KEY`},
		{"both credentials", map[string]string{"POLYTOMIC_API_KEY": secret, "POLYTOMIC_DEPLOYMENT_KEY": secret}, []string{"list", "--url", srv.URL, "--parent", parent}, 2, `^$`, `only one`},
		{"bad version", key, []string{"list", "--url", srv.URL, "--parent", parent, "--api-version", "v2"}, 2, `^$`, `YYYY-MM-DD`},
		{"unknown flag", key, []string{"list", "--bogus"}, 2, `^$`, `bogus`},
		{"unknown command", nil, []string{"frobnicate"}, 2, `^$`, `unknown command`},
		{"no command", nil, nil, 2, `^$`, `Usage`},
		{"refused", key, []string{"share", "--url", refusedURL(t), "--parent", parent, "--child", child}, 3, `^$`, `refused`},
		{"help", nil, []string{"--help"}, 0, `share.*\n.*list.*\n.*serve.*\n.*demo`, ""},
		{"version", nil, []string{"version"}, 0, `^polyshare \S+ .*\(client 0\.1\.0, go1\.`, ""},
		{"share help", nil, []string{"share", "--help"}, 0, `Example`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.vars, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !regexp.MustCompile(tc.stdout).MatchString(out) {
				t.Errorf("stdout %q does not match %q", out, tc.stdout)
			}
			if tc.stderrRE != "" && !regexp.MustCompile(tc.stderrRE).MatchString(errOut) {
				t.Errorf("stderr %q does not match %q", errOut, tc.stderrRE)
			}
		})
	}
}

// TestShareOutputIsTheAPIAnswer checks share prints {"data":{"id":...}} and
// that list then shows the copy.
func TestShareOutputIsTheAPIAnswer(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": secret}
	code, out, _ := runCLI(t, key, "share", "--url", srv.URL, "--parent", parent, "--child", child, "--name", "Acme")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var env struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil || !uuidRE.MatchString(env.Data.ID) {
		t.Fatalf("share printed %q", out)
	}
	_, out, _ = runCLI(t, key, "list", "--url", srv.URL, "--parent", parent)
	var list struct {
		Data []struct{ ID, Name string } `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Data) != 1 || list.Data[0].ID != env.Data.ID || list.Data[0].Name != "Acme" {
		t.Fatalf("list printed %q", out)
	}
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "demo")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	ids := uuidRE.FindAllString(out, -1)
	if len(ids) < 3 || !strings.Contains(out, "shared copies of "+parent+": 1") {
		t.Fatalf("demo report lacks the new copy:\n%s", out)
	}
}

// TestServeStartsAndStops runs serve until its context ends.
func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr := &syncBuffer{}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env(nil), pr, &errb) }()
	var url string
	for i := 0; i < 200 && url == ""; i++ {
		if m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(pr.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if url == "" {
		t.Fatal("serve did not print its address")
	}
	code, _, _ := runCLI(t, map[string]string{"POLYTOMIC_API_KEY": secret}, "share", "--url", url, "--parent", parent, "--child", child)
	if code != 0 {
		t.Fatalf("share against serve: exit %d", code)
	}
	cancel()
	select {
	case c := <-done:
		if c != 0 {
			t.Fatalf("serve exit %d: %s", c, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
