package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polyshare/polyshare/fake"
)

// served is a `polyshare serve` running in process for one test.
type served struct {
	url    string
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
}

// startServe runs serve with args on a free loopback port until the test ends.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	s := &served{cancel: cancel, done: make(chan int, 1), stderr: errb}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env(nil), out, errb)
	}()
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	for i := 0; i < 500 && s.url == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			s.url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.url == "" {
		cancel()
		t.Fatalf("serve did not start: %s", errb.String())
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends serve and returns its exit code (once; later calls return -1).
func (s *served) stop(t *testing.T) int {
	s.cancel()
	select {
	case code, ok := <-s.done:
		if !ok {
			return -1
		}
		close(s.done)
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

// send makes one request; headers are name, value pairs.
func send(t *testing.T, method, url, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func auth(scheme, key string) []string {
	return []string{"Authorization", scheme + " " + key, "X-Polytomic-Version", "2024-02-08", "Content-Type", "application/json"}
}

const exampleConfig = "../../fake/testdata/example-config.yaml"

// The example config, as YAML and converted to JSON, makes serve strict.
func TestServeConfigStrictMode(t *testing.T) {
	yamlText, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	jsonText := `{"organizations":[{"id":"9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"},{"id":"` + child + `"}],
	 "connections":[{"id":"` + parent + `","name":"Warehouse","organization_id":"9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"}],
	 "keys":[{"key":"partner-test-key","kind":"partner"},{"key":"customer-one-key","kind":"organization","organization_id":"` + child + `"}]}`
	dir := t.TempDir()
	for name, text := range map[string]string{"config.yaml": string(yamlText), "config.json": jsonText} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			s := startServe(t, "--config", path)
			share := s.url + "/api/connections/" + parent + "/share"
			body := `{"child_organization_id":"` + child + `"}`
			for _, c := range []struct {
				key  string
				want int
			}{{"unknown-key", 401}, {"customer-one-key", 403}, {"partner-test-key", 200}} {
				if code, _, b := send(t, "POST", share, body, auth("Bearer", c.key)...); code != c.want {
					t.Errorf("key %s: %d %s, want %d", c.key, code, b, c.want)
				}
			}
			if code, _, _ := send(t, "POST", s.url+"/api/connections/7d1e4c2a-9b3f-4a5e-8c6d-0f1e2d3c4b5a/share", body, auth("Bearer", "partner-test-key")...); code != 404 {
				t.Errorf("undeclared parent: %d, want 404", code)
			}
			if !strings.Contains(s.stderr.String(), "strict mode") {
				t.Errorf("serve did not say it is strict: %s", s.stderr.String())
			}
		})
	}
}

func TestServeRejectsBadConfigAndFlags(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("keys: [{key: "+secret+", kind: organization}]\n"), 0o600)
	for name, args := range map[string][]string{
		"missing file":     {"serve", "--addr", "127.0.0.1:0", "--config", filepath.Join(dir, "nope.yaml")},
		"invalid config":   {"serve", "--addr", "127.0.0.1:0", "--config", bad},
		"negative latency": {"serve", "--addr", "127.0.0.1:0", "--latency", "-1s"},
	} {
		code, _, errOut := runCLI(t, nil, args...) // runCLI fails the test if the key is printed
		if code != exitUsage || !strings.Contains(errOut, "polyshare serve:") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and a message", name, code, errOut)
		}
	}
}

// Health, the control API and the access log, which never shows credentials.
func TestServeHealthControlAndAccessLog(t *testing.T) {
	s := startServe(t, "--access-log")
	code, _, body := send(t, "GET", s.url+"/__polyshare/health", "")
	if code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Fatalf("health: %d %s", code, body)
	}
	code, _, body = send(t, "POST", s.url+"/__polyshare/faults", `{"operation":"createSharedConnection","status":429,"headers":{"Retry-After":"2"}}`)
	if code != 201 {
		t.Fatalf("fault: %d %s", code, body)
	}
	share := s.url + "/api/connections/" + parent + "/share"
	code, h, _ := send(t, "POST", share, `{"child_organization_id":"`+child+`"}`, auth("Bearer", secret)...)
	if code != 429 || h.Get("Retry-After") != "2" {
		t.Fatalf("faulted share: %d %v", code, h)
	}
	if code, _, _ := send(t, "POST", share, `{"child_organization_id":"`+child+`"}`, auth("Bearer", secret)...); code != 200 {
		t.Fatalf("share: %d", code)
	}
	_, _, logBody := send(t, "GET", s.url+"/__polyshare/requests", "")
	var log struct {
		Data []struct {
			Status int         `json:"status"`
			Header http.Header `json:"headers"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(logBody), &log); err != nil || len(log.Data) != 2 || log.Data[0].Status != 429 || log.Data[1].Header.Get("Authorization") != "Bearer [REDACTED]" {
		t.Fatalf("request log: %v %s", err, logBody)
	}
	if strings.Contains(logBody, secret) {
		t.Fatal("the request log shows the key")
	}
	if c := s.stop(t); c != exitOK {
		t.Fatalf("exit %d", c)
	}
	access := s.stderr.String()
	if !regexp.MustCompile(`POST /api/connections/`+parent+`/share 429 `).MatchString(access) ||
		!regexp.MustCompile(`POST /api/connections/`+parent+`/share 200 `).MatchString(access) ||
		!strings.Contains(access, "GET /__polyshare/health 200") {
		t.Fatalf("access log lacks the requests:\n%s", access)
	}
	if strings.Contains(access, secret) {
		t.Fatalf("the access log shows the key:\n%s", access)
	}
}

// Shutdown lets a request that is being served finish: the handler holds
// the request until the listener has closed (shutdown under way), then the
// fake answers it.
func TestServeGracefulShutdown(t *testing.T) {
	srv, err := fake.New()
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		srv.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- serve(ctx, ln, h, &out, &errb) }()

	type answer struct {
		code int
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/connections/"+parent+"/share", strings.NewReader(`{"child_organization_id":"`+child+`"}`))
		for i, h := 0, auth("Bearer", "k"); i < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- answer{0, err}
			return
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		got <- answer{resp.StatusCode, err}
	}()
	<-entered
	cancel()
	for i := 0; ; i++ { // shutdown closes the listener first
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		_ = c.Close()
		if i == 1000 {
			t.Fatal("the listener stayed open after the stop signal")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("serve returned %d while a request was in flight", code)
	default:
	}
	close(release)
	if a := <-got; a.err != nil || a.code != 200 {
		t.Fatalf("in-flight request: %d %v, want 200", a.code, a.err)
	}
	if code := <-done; code != exitOK || !strings.Contains(errb.String(), "stopped") {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
}

// Finding 3: a config file that declares nothing would start a server that
// says "strict" and is lenient; finding 14: config errors are one line
// without values (runCLI fails the test if the key is printed).
func TestServeRefusesEmptyOrUnreadableConfig(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"empty":           {"", "declares no organizations, connections or keys"},
		"comment only":    {"# strict mode, some day\n", "declares no organizations, connections or keys"},
		"empty mapping":   {"{}\n", "declares no organizations, connections or keys"},
		"empty list":      {"organizations: []\n", "declares no organizations, connections or keys"},
		"key not a list":  {"keys: " + secret + "\n", "line 1"},
		"two documents":   {"organizations: [{id: " + child + "}]\n---\nkeys: [{key: " + secret + ", kind: partner}]\n", "one YAML document"},
		"key in an id":    {"organizations: [{id: " + secret + "}]\n", "UUID"},
		"blank key":       {"keys: [{key: '  ', kind: partner}]\n", "keys[0]"},
		"deployment key:": {"keys: [{key: 'user:pass', kind: deployment}]\n", "keys[0]"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--config", path)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.HasPrefix(errOut, "polyshare serve: fake: config: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and one line naming %q", name, code, out, errOut, c.want)
		}
		if strings.Contains(errOut, "user:pass") || strings.Contains(errOut, "strict mode") {
			t.Errorf("%s: stderr %q", name, errOut)
		}
	}
}

// Finding 9: a huge --request-log-size crashed serve (out of memory, or a
// makeslice panic); it is a usage error.
func TestServeRefusesHugeRequestLogSize(t *testing.T) {
	for _, n := range []string{"1000001", "2000000000", "9223372036854775807", "-1"} {
		code, out, errOut := runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--request-log-size", n)
		if code != exitUsage || out != "" || errOut != "polyshare serve: --request-log-size must be between 0 and 1000000\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", n, code, out, errOut)
		}
	}
	s := startServe(t, "--request-log-size", "1000000")
	if code, _, body := send(t, "GET", s.url+"/__polyshare/health", ""); code != 200 {
		t.Fatalf("largest log size: %d %s", code, body)
	}
}

// addrListener is a loopback listener that reports another address, to see
// what serve prints for wildcard or public addresses without opening a port
// beyond loopback.
type addrListener struct {
	net.Listener
	addr net.Addr
}

func (l addrListener) Addr() net.Addr { return l.addr }

// Finding 21: a wildcard address printed http://[::]:PORT and exposed the
// unauthenticated control API without a word; now serve warns on stderr
// and prints a URL a client can use.
func TestServeWarnsWhenNotLoopbackAndPrintsUsableURL(t *testing.T) {
	for _, c := range []struct {
		ip      string
		urlHost string // "" means the listener's real 127.0.0.1 address
		warn    bool
	}{
		{"0.0.0.0", "", true},
		{"::", "", true},
		{"192.0.2.7", "192.0.2.7", true},
		{"127.0.0.1", "", false},
		{"::1", "[::1]", false},
	} {
		t.Run(c.ip, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			wrapped := addrListener{ln, &net.TCPAddr{IP: net.ParseIP(c.ip), Port: port}}
			srv, err := fake.New()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var out, errb syncBuffer
			done := make(chan int, 1)
			go func() { done <- serve(ctx, wrapped, srv, &out, &errb) }()
			for i := 0; i < 500 && !strings.Contains(out.String(), "\n"); i++ {
				time.Sleep(10 * time.Millisecond)
			}
			host := c.urlHost
			if host == "" {
				host = "127.0.0.1"
			}
			want := "listening on http://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port)) + "\n"
			if got := out.String(); got != want {
				t.Errorf("stdout %q, want %q", got, want)
			}
			warned := strings.Contains(errb.String(), "polyshare serve: warning: ")
			if warned != c.warn || strings.Count(errb.String(), "\n") > 1 {
				t.Errorf("stderr %q, want a one-line warning: %v", errb.String(), c.warn)
			}
			if c.warn && !strings.Contains(errb.String(), "127.0.0.1") {
				t.Errorf("the warning does not say how to stay local: %q", errb.String())
			}
			if c.urlHost == "" {
				url := strings.TrimSpace(strings.TrimPrefix(out.String(), "listening on "))
				if code, _, body := send(t, "GET", url+"/__polyshare/health", ""); code != 200 {
					t.Errorf("the printed URL does not answer: %d %s", code, body)
				}
			}
			cancel()
			if code := <-done; code != exitOK {
				t.Errorf("exit %d: %s", code, errb.String())
			}
		})
	}
}
