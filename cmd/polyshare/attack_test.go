package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/wrapper"
)

// runMainEnv makes the test binary act as the polyshare command (main, with
// its signal set-up) when set, so that tests can run the real process.
const runMainEnv = "POLYSHARE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// oneLine fails unless s is exactly one line ending in a newline, starting
// with prefix, and free of every byte a terminal would act on.
func oneLine(t *testing.T, what, s, prefix string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") || !strings.HasPrefix(s, prefix) {
		t.Errorf("%s: %q is not one line starting with %q", what, s, prefix)
	}
	if i := strings.IndexFunc(strings.TrimSuffix(s, "\n"), unsafeRune); i >= 0 {
		t.Errorf("%s: %q has a control character at byte %d", what, s, i)
	}
}

// listAnswer serves one shared copy whose text fields are hostile.
func listAnswer(body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Polytomic-Version", wrapper.DefaultAPIVersion)
		_, _ = w.Write([]byte(body))
	}))
	return srv
}

// A name (or status, or type) holding terminal escapes, a line break and a
// tab prints as one inert table row: the escapes and breaks appear as \x1b,
// \n, \t, and the columns stay aligned.
func TestTableEscapesControlCharacters(t *testing.T) {
	srv := listAnswer(`{"data":[{"id":"` + child + `","name":"evil\u001b[2J\nFAKE-ROW\tx","organization_id":"` + child + `",` +
		`"type":{"id":"pg\u202e"},"status":"ok\u009b31m","created_at":"2025-01-02T03:04:05Z"}]}`)
	t.Cleanup(srv.Close)
	code, out, errOut := runCLI(t, map[string]string{"POLYTOMIC_API_KEY": secret},
		"list", "--url", srv.URL, "--parent", parent, "--output", "table")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		oneLine(t, "table line "+strconv.Itoa(i), l+"\n", "")
	}
	rows := tableRows(t, out, []string{"ID", "NAME", "ORGANIZATION", "TYPE", "STATUS", "CREATED"})
	want := []string{child, `evil\x1b[2J\nFAKE-ROW\tx`, child, `pg\u202e`, `ok\u009b31m`, "2025-01-02T03:04:05Z"}
	if len(rows) != 1 || strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want one row %q", rows, want)
	}
}

// safeText leaves ordinary text (accents, emoji, quotes, backslashes) alone
// and escapes control characters, separators, bidi controls and bytes that
// are not UTF-8.
func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"Entrepôt \"Acme\" 🚀 C:\\x": "Entrepôt \"Acme\" 🚀 C:\\x",
		"a\x1b[31mb":                `a\x1b[31mb`,
		"line\r\nnext":              `line\r\nnext`,
		"bad\xff\xfeend":            `bad\xff\xfeend`,
		"del\x7f c1\u0085":          `del\x7f c1\u0085`,
		"sep\u2028\u2029":           `sep\u2028\u2029`,
		"rtl\u202ecba\u2066":        `rtl\u202ecba\u2066`,
		"":                          "",
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// An error message carrying a server's escape sequences and line breaks, or
// a flag name holding them, reaches stderr as one escaped line.
func TestErrorMessagesEscapeControlCharacters(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"boom\u001b[2J\nFAKE: all good","status":400}`))
	}))
	t.Cleanup(srv.Close)
	key := map[string]string{"POLYTOMIC_API_KEY": secret}

	code, out, errOut := runCLI(t, key, "list", "--url", srv.URL, "--parent", parent, "--max-retries", "0")
	if code != exitAPI || out != "" {
		t.Fatalf("exit %d stdout %q, want 1 and nothing", code, out)
	}
	oneLine(t, "API error", errOut, "polyshare list: ")
	if !strings.Contains(errOut, `boom\x1b[2J\nFAKE: all good`) {
		t.Errorf("stderr %q does not show the message escaped", errOut)
	}

	code, _, errOut = runCLI(t, key, "list", "--\x1b[2J\nx")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	oneLine(t, "flag error", errOut, "polyshare list: ")
	if !strings.Contains(errOut, `-\x1b[2J\nx`) {
		t.Errorf("stderr %q does not show the flag escaped", errOut)
	}
}

// A --name with control characters or invalid UTF-8 is refused (exit 2)
// before anything is sent; a name with accents, emoji and punctuation is
// sent and stored byte for byte.
func TestNameRefusesControlCharacters(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": secret, "POLYTOMIC_URL": srv.URL}
	for _, name := range []string{
		"evil\x1b[2J\nFAKE-ROW", "tab\there", "cr\r", "bad\xffutf8", "rtl\u202eoverride", "del\x7f", "c1\u009b",
	} {
		code, out, errOut := runCLI(t, key, "share", "--parent", parent, "--child", child, "--name", name)
		if code != exitUsage || out != "" {
			t.Errorf("--name %q: exit %d stdout %q, want 2 and nothing", name, code, out)
		}
		oneLine(t, "--name "+name, errOut, "polyshare share: --name ")
		if !strings.Contains(errOut, "control character or invalid UTF-8") {
			t.Errorf("--name %q: stderr %q does not say what is wrong", name, errOut)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the fake saw %d requests, want 0", n)
	}

	const good = `Entrepôt "Acme" (prod) 🚀 \ 50%`
	if code, _, errOut := runCLI(t, key, "share", "--parent", parent, "--child", child, "--name", good); code != exitOK {
		t.Fatalf("--name %q: exit %d: %s", good, code, errOut)
	}
	client, err := wrapper.New(wrapper.WithBaseURL(srv.URL), wrapper.WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListSharedConnections(t.Context(), uuid.MustParse(parent))
	if err != nil || len(list) != 1 || list[0].Name == nil || *list[0].Name != good {
		t.Fatalf("list = %+v, %v; want one copy named %q", list, err, good)
	}
}

// cliProcess runs the test binary as the polyshare command with a closed
// pipe as stdout, and returns its exit code and stderr.
func cliProcess(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close() // nobody will read: every write to w fails with EPIPE
	// G204: the program is this test binary itself, run as the CLI.
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...) //nolint:gosec
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POLYTOMIC_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, runMainEnv+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	err = cmd.Run()
	_ = w.Close()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("%v: killed by %v; stderr %q", args, ws.Signal(), stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// With stdout a closed pipe, the real process is not killed by SIGPIPE: it
// exits 3 with one line on stderr, and share names the copy it created so
// that the id is not lost.
func TestClosedStdoutExits3(t *testing.T) {
	srv := fake.NewTestServer(t)
	vars := map[string]string{"POLYTOMIC_API_KEY": "any-key", "POLYTOMIC_URL": srv.URL}

	code, errOut := cliProcess(t, vars, "share", "--parent", parent, "--child", child)
	if code != exitTransport {
		t.Fatalf("share: exit %d, want 3; stderr %q", code, errOut)
	}
	oneLine(t, "share", errOut, "polyshare share: created shared connection ")
	if !strings.Contains(errOut, "broken pipe") {
		t.Errorf("share: stderr %q does not say why", errOut)
	}
	client, err := wrapper.New(wrapper.WithBaseURL(srv.URL), wrapper.WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListSharedConnections(t.Context(), uuid.MustParse(parent))
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v; want the one copy", list, err)
	}
	if id := list[0].Id.String(); !strings.Contains(errOut, "created shared connection "+id+",") {
		t.Errorf("share: stderr %q does not name the created copy %s", errOut, id)
	}

	for _, output := range []string{"json", "table"} {
		code, errOut = cliProcess(t, vars, "list", "--parent", parent, "--output", output)
		if code != exitTransport {
			t.Fatalf("list --output %s: exit %d, want 3; stderr %q", output, code, errOut)
		}
		oneLine(t, "list", errOut, "polyshare list: listed 1 shared copies, but writing the result failed: ")
	}
}

// The same in process, for any writer that fails: the share's id is on
// stderr, exit 3.
func TestOutputErrorNamesTheCreatedCopy(t *testing.T) {
	srv := fake.NewTestServer(t)
	var errb bytes.Buffer
	code := run(context.Background(), []string{"share", "--parent", parent, "--child", child, "--output", "table"},
		env(map[string]string{"POLYTOMIC_API_KEY": "k", "POLYTOMIC_URL": srv.URL}), failWriter{}, &errb)
	if code != exitTransport {
		t.Fatalf("exit %d, want 3: %s", code, errb.String())
	}
	oneLine(t, "share", errb.String(), "polyshare share: created shared connection ")
	if id := uuidRE.FindString(errb.String()); id == "" || id == parent || id == child {
		t.Errorf("stderr %q does not name the new copy", errb.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// A credential variable that is set but blank, or that holds a control
// character (a CRLF .env file), is a usage error naming the variable and
// never quoting the key; nothing is sent.
func TestCredentialVariableErrors(t *testing.T) {
	srv := fake.NewTestServer(t)
	cases := []struct {
		name, value, want string
	}{
		{"POLYTOMIC_API_KEY", "   ", "POLYTOMIC_API_KEY is set but blank"},
		{"POLYTOMIC_DEPLOYMENT_KEY", "\t", "POLYTOMIC_DEPLOYMENT_KEY is set but blank"},
		{"POLYTOMIC_API_KEY", secret + "\r", "POLYTOMIC_API_KEY contains a control character"},
		{"POLYTOMIC_DEPLOYMENT_KEY", secret + "\n", "POLYTOMIC_DEPLOYMENT_KEY contains a control character"},
	}
	for _, tc := range cases {
		for _, args := range [][]string{
			{"list", "--url", srv.URL, "--parent", parent},
			{"share", "--url", srv.URL, "--parent", parent, "--child", child},
		} {
			code, out, errOut := runCLI(t, map[string]string{tc.name: tc.value}, args...)
			if code != exitUsage || out != "" {
				t.Errorf("%s=%q %s: exit %d stdout %q, want 2 and nothing", tc.name, tc.value, args[0], code, out)
			}
			oneLine(t, tc.name, errOut, "polyshare "+args[0]+": "+tc.want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the fake saw %d requests, want 0", n)
	}
}

// goOption matches the name of a client-library option or package in a
// message: the CLI's messages speak of flags and variables instead.
var goOption = regexp.MustCompile(`\bWith[A-Z]|wrapper:|base URL`)

// --url mistakes are reported in the CLI's terms: the flag and variable,
// never a Go option, and never the password a URL carried.
func TestURLErrorsSpeakCLI(t *testing.T) {
	key := map[string]string{"POLYTOMIC_API_KEY": "k"}
	cases := []struct {
		url  string
		want []string
	}{
		{"http://user:" + secret + "@127.0.0.1:1", []string{"--url", "POLYTOMIC_URL", "user name or password", "POLYTOMIC_API_KEY"}},
		{"https://" + secret + "@app.polytomic.com", []string{"--url", "POLYTOMIC_API_KEY"}},
		{"app.polytomic.com", []string{`--url "app.polytomic.com" is not an absolute http(s) URL`, "POLYTOMIC_URL"}},
		{"https://app.polytomic.com/?x=1", []string{"--url", "query"}},
		{"http://polytomic.example.com", []string{"cleartext", "--insecure-http"}},
	}
	for _, tc := range cases {
		for _, viaEnv := range []bool{false, true} {
			args := []string{"list", "--parent", parent}
			vars := map[string]string{"POLYTOMIC_API_KEY": key["POLYTOMIC_API_KEY"]}
			if viaEnv {
				vars["POLYTOMIC_URL"] = tc.url
			} else {
				args = append(args, "--url", tc.url)
			}
			code, out, errOut := runCLI(t, vars, args...)
			if code != exitUsage || out != "" {
				t.Errorf("%s: exit %d stdout %q, want 2 and nothing", tc.url, code, out)
			}
			oneLine(t, tc.url, errOut, "polyshare list: ")
			if goOption.MatchString(errOut) {
				t.Errorf("%s: %q names a Go option", tc.url, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("%s: %q lacks %q", tc.url, errOut, w)
				}
			}
		}
	}
}

// A command line the flag package cannot parse gives one line on stderr,
// prefixed "polyshare CMD:", pointing at the command's --help; exit 2.
func TestFlagParseErrorsOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"share", "--bogus"},
		{"share", "--parent"},
		{"list", "--timeout", "soon"},
		{"list", "--max-retries", "many"},
		{"list", "--insecure-http=maybe"},
		{"list", "--parent", parent, "extra"},
		{"serve", "--latency", "x"},
		{"demo", "now"},
		{"version", "-v"},
	} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != exitUsage || out != "" {
			t.Errorf("%q: exit %d stdout %q, want 2 and nothing", args, code, out)
		}
		oneLine(t, strings.Join(args, " "), errOut, "polyshare "+args[0]+": ")
		if !strings.HasSuffix(errOut, "(run 'polyshare "+args[0]+" --help' for its flags)\n") {
			t.Errorf("%q: %q does not point at --help", args, errOut)
		}
	}
	code, _, errOut := runCLI(t, nil, "frobnicate")
	if code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
	oneLine(t, "unknown command", errOut, `polyshare: unknown command "frobnicate" (run 'polyshare --help'`)
}

// UUID flags take RFC 9562 UUIDs only, as the API does: a version digit
// outside 1-8 or a variant outside 8-b is refused naming the flag, and
// nothing is sent.
func TestUUIDFlagsFollowRFC9562(t *testing.T) {
	srv := fake.NewTestServer(t)
	key := map[string]string{"POLYTOMIC_API_KEY": "k", "POLYTOMIC_URL": srv.URL}
	bad := []string{
		"248df4b7-aa70-07b8-0036-33ac447e668d", // version 0, variant 0
		"248df4b7-aa70-47b8-0036-33ac447e668d", // variant 0 (NCS)
		"248df4b7-aa70-47b8-c036-33ac447e668d", // variant 110 (Microsoft)
		"248df4b7-aa70-47b8-e036-33ac447e668d", // variant 111 (future)
		"248df4b7-aa70-97b8-a036-33ac447e668d", // version 9
		"248df4b7-aa70-f7b8-a036-33ac447e668d", // version 15
	}
	for _, id := range bad {
		for _, tc := range []struct {
			flag string
			args []string
		}{
			{"--parent", []string{"list", "--parent", id}},
			{"--parent", []string{"share", "--parent", id, "--child", child}},
			{"--child", []string{"share", "--parent", parent, "--child", id}},
		} {
			code, out, errOut := runCLI(t, key, tc.args...)
			if code != exitUsage || out != "" {
				t.Errorf("%q: exit %d stdout %q, want 2 and nothing", tc.args, code, out)
			}
			oneLine(t, id, errOut, "polyshare "+tc.args[0]+": "+tc.flag+` "`+id+`" is not an RFC 9562 UUID`)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the fake saw %d requests, want 0", n)
	}
	for _, id := range []string{
		"248df4b7-aa70-17b8-8036-33ac447e668d", // version 1, variant 8
		"248df4b7-aa70-77b8-9036-33ac447e668d", // version 7, variant 9
		"248DF4B7-AA70-87B8-B036-33AC447E668D", // version 8, variant b, upper case
	} {
		if code, _, errOut := runCLI(t, key, "share", "--parent", id, "--child", child); code != exitOK {
			t.Errorf("%s: exit %d: %s", id, code, errOut)
		}
	}
	if _, err := parseUUIDFlag("parent", "ffffffff-ffff-ffff-ffff-ffffffffffff"); err != nil {
		t.Errorf("the max UUID, which the spec allows, is refused: %v", err)
	}
}
