package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

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
	fs.StringVar(&f.url, "url", def, "API base URL (env POLYTOMIC_URL)")
	fs.StringVar(&f.apiVersion, "api-version", ver, "X-Polytomic-Version to send (env POLYTOMIC_VERSION)")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "give up on the call, retries and waits included, after this long, e.g. 30s")
	fs.IntVar(&f.maxRetries, "max-retries", wrapper.DefaultMaxAttempts-1,
		"retry a failed call at most N times (0 to 9); only requests safe to repeat are retried")
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
	opts := []wrapper.Option{
		wrapper.WithBaseURL(f.url), wrapper.WithAPIVersion(f.apiVersion),
		wrapper.WithMaxAttempts(f.maxRetries + 1),
	}
	if f.insecureHTTP {
		opts = append(opts, wrapper.WithInsecureHTTP())
	}
	apiKey, depKey := getenv("POLYTOMIC_API_KEY"), getenv("POLYTOMIC_DEPLOYMENT_KEY")
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
	return wrapper.New(opts...)
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns done=true with the exit code when the
// command should stop (help asked for, or a usage error).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return exitOK, true
		}
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "polyshare %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, true
	}
	return 0, false
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
	return id, nil
}

func usageError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "polyshare %s: %v\n", cmd, err)
	return exitUsage
}

// callError reports an error from the API call and picks the exit code.
func callError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "polyshare %s: %v\n", cmd, err)
	return exitCode(err)
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
	case errors.As(err, &apiErr),
		errors.Is(err, wrapper.ErrInvalidResponse), errors.Is(err, wrapper.ErrResponseTooLarge):
		return exitAPI
	default:
		return exitTransport
	}
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func runShare(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("share", `Usage: polyshare share --parent UUID --child UUID [--name NAME] [--idempotency-key KEY]

Shares the parent connection into the child organisation (needs a partner key)
and prints the API's answer, {"data":{"id":"<new shared connection id>"}}.
The request carries an Idempotency-Key, the same on every retry, so a retry
never creates a second copy.

Example:
  POLYTOMIC_API_KEY=... polyshare share --parent 248df4b7-aa70-47b8-a036-33ac447e668d \
      --child 0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c --name "Warehouse (Acme)"`, stderr)
	var af apiFlags
	af.register(fs, getenv)
	parent := fs.String("parent", "", "id of the connection to share (UUID, required)")
	child := fs.String("child", "", "id of the organisation to share into (UUID, required)")
	name := fs.String("name", "", "name of the shared copy (default: the parent's name)")
	key := fs.String("idempotency-key", "",
		"Idempotency-Key to send (8-255 of A-Z a-z 0-9 - _); repeat a share with the same key to get the first answer back (default: a fresh random key)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	p, err := parseUUIDFlag("parent", *parent)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	c, err := parseUUIDFlag("child", *child)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	client, err := af.client(getenv)
	if err != nil {
		return usageError(stderr, "share", err)
	}
	var opts []wrapper.CallOption
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			opts = append(opts, wrapper.WithName(*name))
		case "idempotency-key":
			opts = append(opts, wrapper.WithIdempotencyKey(*key))
		}
	})
	ctx, cancel := context.WithTimeout(ctx, af.timeout)
	defer cancel()
	id, err := client.CreateSharedConnection(ctx, p, c, opts...)
	if err != nil {
		return callError(stderr, "share", err)
	}
	printJSON(stdout, generated.SharedConnectionEnvelope{Data: generated.SharedConnectionRef{Id: id}})
	return exitOK
}

func runList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", `Usage: polyshare list --parent UUID

Lists the shared copies of the parent connection and prints the API's answer,
{"data":[...]}.

Example:
  POLYTOMIC_API_KEY=... polyshare list --parent 248df4b7-aa70-47b8-a036-33ac447e668d`, stderr)
	var af apiFlags
	af.register(fs, getenv)
	parent := fs.String("parent", "", "id of the parent connection (UUID, required)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
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
		return callError(stderr, "list", err)
	}
	printJSON(stdout, generated.ConnectionListEnvelope{Data: list})
	return exitOK
}
