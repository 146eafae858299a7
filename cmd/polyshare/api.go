package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/generated"
	"github.com/polyshare/polyshare/wrapper"
)

// apiFlags are the flags share and list have in common.
type apiFlags struct {
	url          string
	apiVersion   string
	timeout      time.Duration
	maxRetries   int
	insecureHTTP bool
}

func (f *apiFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	def := getenv("POLYTOMIC_URL")
	if def == "" {
		def = wrapper.DefaultBaseURL
	}
	ver := getenv("POLYTOMIC_VERSION")
	if ver == "" {
		ver = wrapper.DefaultAPIVersion
	}
	fs.StringVar(&f.url, "url", def, "API base `URL` (default: $POLYTOMIC_URL if set, else "+wrapper.DefaultBaseURL+")")
	fs.StringVar(&f.apiVersion, "api-version", ver, "X-Polytomic-Version to send, a `DATE` such as 2025-09-18 (default: $POLYTOMIC_VERSION if set, else "+wrapper.DefaultAPIVersion+")")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "give up on the call, retries and waits included, after this `DURATION`, e.g. 30s")
	fs.IntVar(&f.maxRetries, "max-retries", wrapper.DefaultMaxAttempts-1,
		"retry a failed call at most `N` times (0 to 9); only requests safe to repeat are retried")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false,
		"allow an http:// --url to a host that is not loopback (sends the key in cleartext)")
}

// client builds the wrapper client from flags and environment. Its errors
// are usage errors: nothing has been sent.
func (f *apiFlags) client(getenv func(string) string) (*wrapper.Client, error) {
	if f.timeout <= 0 {
		return nil, fmt.Errorf("--timeout %s is not positive", f.timeout)
	}
	if f.maxRetries < 0 || f.maxRetries > 9 {
		return nil, fmt.Errorf("--max-retries %d is not between 0 and 9", f.maxRetries)
	}
	if err := checkURL(f.url); err != nil {
		return nil, err
	}
	opts := []wrapper.Option{
		wrapper.WithBaseURL(f.url), wrapper.WithAPIVersion(f.apiVersion),
		wrapper.WithMaxAttempts(f.maxRetries + 1),
	}
	if f.insecureHTTP {
		opts = append(opts, wrapper.WithInsecureHTTP())
	}
	apiKey, depKey := getenv("POLYTOMIC_API_KEY"), getenv("POLYTOMIC_DEPLOYMENT_KEY")
	for _, v := range []struct{ name, key string }{{"POLYTOMIC_API_KEY", apiKey}, {"POLYTOMIC_DEPLOYMENT_KEY", depKey}} {
		if err := checkKeyVar(v.name, v.key); err != nil {
			return nil, err
		}
	}
	switch {
	case apiKey != "" && depKey != "":
		return nil, errors.New("both POLYTOMIC_API_KEY and POLYTOMIC_DEPLOYMENT_KEY are set: set only one")
	case apiKey != "":
		opts = append(opts, wrapper.WithAPIKey(apiKey))
	case depKey != "":
		opts = append(opts, wrapper.WithDeploymentKey(depKey))
	default:
		return nil, errors.New("no credential: set POLYTOMIC_API_KEY (partner or API key) or POLYTOMIC_DEPLOYMENT_KEY (on-premises)")
	}
	c, err := wrapper.New(opts...)
	if err != nil {
		return nil, cliTerms(err)
	}
	return c, nil
}

// checkKeyVar refuses a credential variable that is set but cannot be a
// key, naming the variable (and never quoting the value): blank, or holding a
// control character such as the line ending a CRLF .env file leaves behind,
// which net/http would refuse to send as a header.
func checkKeyVar(name, key string) error {
	switch {
	case key == "":
		return nil // unset: the caller decides whether another key is there
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("%s is set but blank: set it to the key, or unset it", name)
	case strings.ContainsFunc(key, unicode.IsControl):
		return fmt.Errorf("%s contains a control character (a line ending copied from a file?): remove it", name)
	}
	return nil
}

// cliTerms rewords the client library's constructor errors, which name Go
// options, in terms of the flags and variables that set them. Only the
// message changes.
func cliTerms(err error) error {
	msg := strings.TrimPrefix(err.Error(), "wrapper: ")
	msg = goOptionTerms.Replace(msg)
	switch {
	case strings.Contains(msg, "--url"):
		msg += " (set --url or POLYTOMIC_URL, e.g. https://app.polytomic.com)"
	case strings.Contains(msg, "API version"):
		msg += " (set --api-version or POLYTOMIC_VERSION, e.g. " + wrapper.DefaultAPIVersion + ")"
	}
	return errors.New(msg)
}

// goOptionTerms maps the names of the client library's options, as its
// errors use them, to the CLI's flags and variables.
var goOptionTerms = strings.NewReplacer(
	"base URL", "--url",
	"WithBaseURL", "--url",
	"WithInsecureHTTP", "--insecure-http",
	"WithAPIKey", "POLYTOMIC_API_KEY",
	"WithDeploymentKey", "POLYTOMIC_DEPLOYMENT_KEY",
	"WithAPIVersion", "--api-version",
)

// checkURL refuses, in the CLI's terms, a --url the client could not use,
// before the client library sees it:
//
//   - one that carries a user name or password (the CLI takes keys only from
//     the environment); the URL is not quoted, since its user info may be a
//     key;
//   - one that is not an absolute http(s) URL, such as 127.0.0.1:8080. It is
//     quoted as typed, less anything that could be a secret (see
//     displayURL), with the URL the user probably meant when only the
//     scheme is missing.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if (err == nil && u.User != nil) || strings.Contains(authority(raw), "@") {
		return errors.New("--url / POLYTOMIC_URL must not carry a user name or password: put the key in POLYTOMIC_API_KEY or POLYTOMIC_DEPLOYMENT_KEY")
	}
	if err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return nil // the client library checks the rest (port, query, cleartext)
	}
	msg := fmt.Sprintf("--url %q is not an absolute http(s) URL", displayURL(raw))
	if t := strings.TrimSpace(raw); t != raw && checkURL(t) == nil {
		return errors.New(msg + ": remove the white space around it")
	}
	if s := meantURL(raw); s != "" {
		return fmt.Errorf("%s: did you mean %s? (set --url or POLYTOMIC_URL)", msg, s)
	}
	return errors.New(msg + " (set --url or POLYTOMIC_URL, e.g. " + wrapper.DefaultBaseURL + ")")
}

// authority is the part of raw where a URL's user info and host go: after
// "scheme://" when there is one, else from the start, up to the first /, ?
// or #.
func authority(raw string) string {
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		raw = rest
	}
	if i := strings.IndexAny(raw, "/?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// displayURL is raw as typed, for an error message, less what could carry a
// secret: everything up to the last @ (user info, even when a password's
// own / or ? stopped url.Parse from seeing it as such), the query and the
// fragment.
func displayURL(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		scheme, _, ok := strings.Cut(raw, "://")
		if !ok || len(scheme) > i {
			scheme = ""
		} else {
			scheme += "://"
		}
		raw = scheme + "[redacted]" + raw[i:]
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// meantURL guesses the URL meant by a --url that is not an absolute http(s)
// URL, or returns "": raw with the scheme it lacks (http:// for a loopback host, which is what a local fake serves,
// else https://) and without a trailing /api, which the client adds itself.
// Only a plain host[:port][/path] gets a scheme: "http:/host" is a typo the
// user should look at, not a missing scheme.
func meantURL(raw string) string {
	if strings.Contains(raw, "://") || strings.ContainsAny(raw, "@?# \t") || strings.HasPrefix(raw, "/") {
		return ""
	}
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:") {
		return ""
	}
	u, err := url.Parse("http://" + raw)
	if err != nil || u.Host == "" || u.Host != authority(raw) {
		return ""
	}
	host := u.Hostname()
	loopback := strings.EqualFold(host, "localhost") || (net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback())
	if !loopback && net.ParseIP(host) == nil && !strings.Contains(host, ".") {
		return "" // not a host name anyone would type as a URL
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return ""
		}
	}
	if !loopback {
		u.Scheme = "https"
	}
	u.Path = trimAPISuffix(u.Path)
	u.RawPath = ""
	return u.String()
}

// endsInAPI reports whether a base URL's path ends in /api (or /api/),
// which the client adds to the base URL itself.
func endsInAPI(path string) bool {
	p := strings.TrimRight(path, "/")
	return len(p) >= 4 && strings.EqualFold(p[len(p)-4:], "/api")
}

// trimAPISuffix removes a trailing /api, and the slashes around it, from a
// base URL's path.
func trimAPISuffix(path string) string {
	p := strings.TrimRight(path, "/")
	if endsInAPI(p) {
		p = p[:len(p)-4]
	}
	return strings.TrimRight(p, "/")
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(fs.Output(), "\nFlags (one dash or two):\n")
			printFlags(fs)
		}
	}
	return fs
}

// printFlags lists fs's flags as flag.PrintDefaults does, but spelled
// --name, as the CLI's messages and README spell them.
func printFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		switch {
		case strings.Contains(usage, "(default:"): // the usage says it better
		case f.DefValue == "", f.DefValue == "0", f.DefValue == "0s", f.DefValue == "false": // the zero value says nothing
		default:
			if g, ok := f.Value.(flag.Getter); ok && isString(g.Get()) {
				line += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				line += " (default " + f.DefValue + ")"
			}
		}
		fmt.Fprintln(fs.Output(), line)
	})
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// The values of --output: json prints the API's answer as it came (the
// default, for scripts); table prints an aligned table for people.
const (
	outputJSON  = "json"
	outputTable = "table"
)

// registerOutput adds --output to a command that prints API results.
func registerOutput(fs *flag.FlagSet) *string {
	return fs.String("output", outputJSON, "how to print the result (`FORMAT`): json (the API's answer) or table (aligned columns)")
}

// checkOutput rejects an --output value before anything is sent.
func checkOutput(v string) error {
	if v != outputJSON && v != outputTable {
		msg := fmt.Sprintf("--output %q is not json or table", v)
		if c := closest(strings.ToLower(v), []string{outputJSON, outputTable}); c != "" {
			msg += ": did you mean " + c + "?"
		}
		return errors.New(msg)
	}
	return nil
}

// parseFlags parses args; it returns done=true with the exit code when the
// command should stop (help asked for, or a usage error).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	// The flag package prints the usage itself, to stderr, on -help and on
	// every error; help belongs on stdout, and an error is clearer alone.
	// Its error message goes out as one line in our own form instead.
	usage, stderr := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return exitOK, true
		}
		return flagError(stderr, fs.Name(), flagProblem(fs, err)), true
	}
	if fs.NArg() > 0 {
		msg := fmt.Sprintf("unexpected argument %q", fs.Arg(0))
		if _, err := uuid.Parse(fs.Arg(0)); err == nil && fs.Lookup("parent") != nil {
			msg += ": ids are given as flags, e.g. --parent UUID"
		} else if strings.HasPrefix(fs.Arg(0), "-") {
			msg += ": flags go before other arguments, or after none"
		}
		return flagError(stderr, fs.Name(), msg), true
	}
	return 0, false
}

// The flag package's error messages, which name flags with one dash and say
// only "parse error" for a value of the wrong form.
var (
	flagBadValue  = regexp.MustCompile(`^invalid value (".*") for flag -([^\s:]+): (.*)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -(\S+)$`)
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -(\S+)$`)
)

// flagProblem words a flag package error in the CLI's terms: the flag as
// --name, and for a value of the wrong form what form it needs (a duration
// needs a unit: "--timeout 5" is not 5 seconds).
func flagProblem(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return "--" + m[1] + " needs a value"
	}
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		dashes := "--"
		if len(m[1]) == 1 {
			dashes = "-" // a short flag, as typed; the CLI has none
		}
		return "unknown flag " + dashes + m[1] + unknownFlagHint(fs, m[1])
	}
	m := flagBadValue.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	quoted, name, why := m[1], m[2], m[3]
	f := fs.Lookup(name)
	if f == nil {
		return msg
	}
	value, uerr := strconv.Unquote(quoted)
	if uerr != nil {
		return msg
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			if _, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				why = "a duration needs a unit, e.g. 5s or 500ms"
			} else {
				why = "not a duration: a number with a unit (ns, us, ms, s, m, h), e.g. 5s or 500ms"
			}
		case int:
			if strings.Contains(why, "range") {
				why = "out of range"
			} else {
				why = "not a whole number"
			}
		case bool:
			why = "want true or false"
		}
	}
	return fmt.Sprintf("invalid value %s for --%s: %s", quoted, name, why)
}

// unknownFlagHint is what to say after "unknown flag --NAME": where keys
// go, for a flag that looks like one (the CLI takes keys only from the
// environment), else the flag of this command NAME is a typo of, if any.
func unknownFlagHint(fs *flag.FlagSet, name string) string {
	lower := strings.ToLower(name)
	credential := strings.Contains(lower, "key") || strings.Contains(lower, "token") || strings.Contains(lower, "secret")
	if credential && !strings.Contains(lower, "idem") {
		return ": keys are read only from the environment: set POLYTOMIC_API_KEY or POLYTOMIC_DEPLOYMENT_KEY"
	}
	var names, initial []string
	fs.VisitAll(func(f *flag.Flag) {
		names = append(names, f.Name)
		if len(lower) == 1 && f.Name[0] == lower[0] {
			initial = append(initial, f.Name)
		}
	})
	if len(lower) == 1 {
		// A short flag: the long flag it abbreviates, when only one fits.
		if len(initial) == 1 {
			return ": there are no short flags: did you mean --" + initial[0] + "?"
		}
		return ": there are no short flags"
	}
	if c := closest(lower, names); c != "" {
		return ": did you mean --" + c + "?"
	}
	return ""
}

// closest is the candidate within two edits of word (insertions, deletions,
// substitutions, or one swap of neighbours), the nearest first, or "".
func closest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// by bytes: enough for ASCII command and flag names.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// flagError reports a command line the flag package could not parse: one
// line, prefixed like every other error, pointing at the command's help.
func flagError(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "polyshare %s: %s (run 'polyshare %s --help' for its flags)\n", cmd, safeText(msg), cmd)
	return exitUsage
}

func parseUUIDFlag(name, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.Nil, fmt.Errorf("--%s is required", name)
	}
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return uuid.Nil, fmt.Errorf("--%s %q is not a UUID (want the form 248df4b7-aa70-47b8-a036-33ac447e668d)", name, v)
	}
	if id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("--%s must not be the nil UUID", name)
	}
	// The API takes RFC 9562 UUIDs only (versions 1-8, variant 10xx, and the
	// max UUID); anything else would be sent only to come back as a 422.
	if ver := id.Version(); id != uuid.Max && (id.Variant() != uuid.RFC4122 || ver < 1 || ver > 8) {
		return uuid.Nil, fmt.Errorf("--%s %q is not an RFC 9562 UUID: its 13th hex digit (the version) must be 1-8 and its 17th (the variant) 8, 9, a or b, e.g. 248df4b7-aa70-47b8-a036-33ac447e668d", name, v)
	}
	return id, nil
}

// checkName refuses a --name that would put control characters (terminal
// escapes, line breaks that forge table rows) or invalid UTF-8 into a shared
// copy's name, where every later list would print them.
func checkName(name string) error {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, unsafeRune) {
		return fmt.Errorf("--name %q contains a control character or invalid UTF-8", name)
	}
	return nil
}

// unsafeRune reports whether r must not reach a terminal as is: control
// characters (C0, DEL, C1: escape sequences, line breaks, tabs that would
// shift a table column), line and paragraph separators, and the
// bidirectional controls that reorder what is shown.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

// safeText makes text from a server or a user safe to print on a terminal:
// unsafe characters and invalid UTF-8 appear as Go escapes (\x1b, \n,
// \u202e) instead, so that a name cannot forge a table row and an error
// stays one inert line.
func safeText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func usageError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "polyshare %s: %s\n", cmd, safeText(err.Error()))
	return exitUsage
}

// callError reports an error from the API call on one line, with a hint at
// what to do about it when there is one, and picks the exit code. baseURL
// is the base URL the call went to, for hints about it.
func callError(stderr io.Writer, cmd, baseURL string, err error) int {
	// The wrapper's errors name the library ("polyshare: op: ..."); the CLI
	// already says "polyshare <cmd>:", so the library prefix is dropped.
	msg := safeText(strings.TrimPrefix(err.Error(), "polyshare: "))
	if h := hint(cmd, baseURL, err); h != "" {
		fmt.Fprintf(stderr, "polyshare %s: %s (%s)\n", cmd, msg, safeText(h))
	} else {
		fmt.Fprintf(stderr, "polyshare %s: %s\n", cmd, msg)
	}
	return exitCode(err)
}

// hint suggests what to check after a failed call, or returns "" when the
// error says it all. It is the one place hints are chosen.
func hint(cmd, baseURL string, err error) string {
	var dnsErr *net.DNSError
	var apiErr *wrapper.APIError
	transport := exitCode(err) == exitTransport
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time: raise --timeout, or check --url / POLYTOMIC_URL"
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr):
		return "check --url / POLYTOMIC_URL: is the API running at that address?"
	case transport && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server speaks plain HTTP: use an http:// URL in --url / POLYTOMIC_URL"
	case transport && errors.Is(err, io.EOF):
		return "the server closed the connection before answering: check --url / POLYTOMIC_URL"
	case transport && errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection in the middle of its answer: try again, or check --url / POLYTOMIC_URL"
	case errors.Is(err, wrapper.ErrUnauthorized):
		return "check the key in POLYTOMIC_API_KEY or POLYTOMIC_DEPLOYMENT_KEY"
	case errors.Is(err, wrapper.ErrForbidden) && cmd == "share":
		return "sharing needs a partner key, or on-premises the deployment key"
	case errors.As(err, &apiErr) && apiErr.StatusCode == 404 && wrongBaseURL(apiErr, baseURL):
		return baseURLHint(baseURL)
	case errors.Is(err, wrapper.ErrNotFound):
		return "check --parent: no connection with that id is visible to this key"
	}
	return ""
}

// wrongBaseURL reports whether a 404 says the server has no such route at
// all, rather than no such connection: its message says so (the fake
// answers "no such API route"), or the base URL itself ends in /api, which
// the client adds.
func wrongBaseURL(e *wrapper.APIError, baseURL string) bool {
	if strings.Contains(strings.ToLower(e.Message()), "no such api route") {
		return true
	}
	u, err := url.Parse(baseURL)
	return err == nil && endsInAPI(u.Path)
}

// baseURLHint points at the base URL after a 404 for the route itself,
// with the URL --url probably should have been.
func baseURLHint(baseURL string) string {
	const want = "--url should be the server's base URL without /api"
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return want
	}
	path := strings.TrimRight(u.Path, "/")
	switch {
	case endsInAPI(path):
		path = trimAPISuffix(path) // keep any prefix before /api
	case path != "":
		path = "" // another path: a base URL is usually the scheme and host alone
	default:
		return "the server has no such API route: is --url / POLYTOMIC_URL the base URL of a Polytomic API?"
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment, u.User = path, "", "", "", nil
	return want + ", e.g. " + u.String()
}

// exitCode maps a call's error to the exit code: 2 when the call refused its
// input before sending; 1 when the API answered, with an error status
// (including a rate limit or outage the call gave up waiting out) or with an
// unusable body; 3 when no answer came (network failure, timeout).
func exitCode(err error) int {
	var apiErr *wrapper.APIError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, wrapper.ErrInvalidArgument):
		return exitUsage
	case errors.As(err, &apiErr), errors.Is(err, wrapper.ErrRedirect),
		errors.Is(err, wrapper.ErrInvalidResponse), errors.Is(err, wrapper.ErrResponseTooLarge):
		return exitAPI
	default:
		return exitTransport
	}
}

// printJSON prints v as indented JSON: every string in it passed through
// the redactor first, then what a terminal would act on escaped (jsonSafe).
func printJSON(w io.Writer, v any, ks keys) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = ks.json(b)
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(jsonSafe(buf.Bytes()))
	return err
}

// printShare prints the result of share: the API's answer, or a table of
// the new copy.
func printShare(w io.Writer, format string, id, parent, child uuid.UUID) error {
	if format == outputJSON {
		return printJSON(w, generated.SharedConnectionEnvelope{Data: generated.SharedConnectionRef{Id: id}}, nil)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARENT\tORGANIZATION")
	fmt.Fprintf(tw, "%s\t%s\t%s\n", id, parent, child)
	return tw.Flush()
}

// printList prints the result of list: the API's answer, or a table with
// one shared copy a line, oldest first.
// printList prints the copies a list returned, as the API's JSON or as a
// table. Their text is the server's: it goes through the redactor (ks)
// before it is escaped for the terminal.
func printList(w io.Writer, format string, list []wrapper.Connection, ks keys) error {
	if format == outputJSON {
		return printJSON(w, generated.ConnectionListEnvelope{Data: list}, ks)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tORGANIZATION\tTYPE\tSTATUS\tCREATED")
	for _, c := range list {
		created := "-"
		if c.CreatedAt != nil {
			created = c.CreatedAt.UTC().Format(time.RFC3339)
		}
		typ := "-"
		if c.Type != nil && c.Type.Id != nil {
			typ = safeText(ks.text(*c.Type.Id))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			orDash(c.Id, ks), orDash(c.Name, ks), orDash(c.OrganizationId, ks), typ, orDash(c.Status, ks), created)
	}
	return tw.Flush()
}

// orDash formats *p for a table cell, redacted and then escaped by
// safeText since it comes from the server, or "-" for a field the answer
// left out.
func orDash[T any](p *T, ks keys) string {
	if p == nil {
		return "-"
	}
	return safeText(ks.text(fmt.Sprint(*p)))
}

// outputError reports a result that could not be written to stdout (a
// closed pipe, a full disk): the call succeeded but nobody saw its answer.
// done says what the call did, so that it is not lost with the output.
func outputError(stderr io.Writer, cmd, done string, err error) int {
	fmt.Fprintf(stderr, "polyshare %s: %s, but writing the result failed: %s\n", cmd, done, safeText(err.Error()))
	return exitTransport
}

func runShare(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("share", `Usage: polyshare share --parent UUID --child UUID [--name NAME] [--idempotency-key KEY] [--output json|table]

Shares the parent connection into the child organisation (needs a partner key)
and prints the API's answer, {"data":{"id":"<new shared connection id>"}}.
The request carries an Idempotency-Key, the same on every retry, so a retry
never creates a second copy.

With --output table it prints the new id, the parent and the organisation
as a table instead.

Example:
  POLYTOMIC_API_KEY=... polyshare share --parent 248df4b7-aa70-47b8-a036-33ac447e668d \
      --child 0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c --name "Warehouse (Acme)"`, stderr)
	var af apiFlags
	af.register(fs, getenv)
	output := registerOutput(fs)
	parent := fs.String("parent", "", "id of the connection to share (a `UUID`, required)")
	child := fs.String("child", "", "id of the organisation to share into (a `UUID`, required)")
	name := fs.String("name", "", "`NAME` of the shared copy (default: the parent's name)")
	key := fs.String("idempotency-key", "",
		"Idempotency-Key to send, a `KEY` (8-255 of A-Z a-z 0-9 - _); repeat a share with the same key to get the first answer back (default: a fresh random key)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if err := checkOutput(*output); err != nil {
		return usageError(stderr, "share", err)
	}
	p, err := parseUUIDFlag("parent", *parent)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	c, err := parseUUIDFlag("child", *child)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	var opts []wrapper.CallOption
	var nameErr error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			nameErr = checkName(*name)
			opts = append(opts, wrapper.WithName(*name))
		case "idempotency-key":
			opts = append(opts, wrapper.WithIdempotencyKey(*key))
		}
	})
	if nameErr != nil {
		return usageError(stderr, "share", nameErr)
	}
	client, err := af.client(getenv)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	ctx, cancel := context.WithTimeout(ctx, af.timeout)
	defer cancel()
	id, err := client.CreateSharedConnection(ctx, p, c, opts...)
	if err != nil {
		return callError(stderr, "share", af.url, err)
	}
	if err := printShare(stdout, *output, id, p, c); err != nil {
		return outputError(stderr, "share", "created shared connection "+id.String(), err)
	}
	return exitOK
}

func runList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", `Usage: polyshare list --parent UUID [--output json|table]

Lists the shared copies of the parent connection and prints the API's answer,
{"data":[...]}, or with --output table one copy a line: id, name,
organisation, type, status and creation time.

Example:
  POLYTOMIC_API_KEY=... polyshare list --parent 248df4b7-aa70-47b8-a036-33ac447e668d --output table`, stderr)
	var af apiFlags
	af.register(fs, getenv)
	output := registerOutput(fs)
	parent := fs.String("parent", "", "id of the parent connection (a `UUID`, required)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if err := checkOutput(*output); err != nil {
		return usageError(stderr, "list", err)
	}
	p, err := parseUUIDFlag("parent", *parent)
	if err != nil {
		return usageError(stderr, "list", err)
	}
	client, err := af.client(getenv)
	if err != nil {
		return usageError(stderr, "list", err)
	}
	ctx, cancel := context.WithTimeout(ctx, af.timeout)
	defer cancel()
	list, err := client.ListSharedConnections(ctx, p)
	if err != nil {
		return callError(stderr, "list", af.url, err)
	}
	if err := printList(stdout, *output, list, envKeys(getenv)); err != nil {
		return outputError(stderr, "list", fmt.Sprintf("listed %d shared copies", len(list)), err)
	}
	return exitOK
}
