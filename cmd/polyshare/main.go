// Command polyshare shares Polytomic connections into child organisations,
// lists the shared copies, and runs a fake Polytomic API for tests.
//
//	polyshare share --parent UUID --child UUID [--name NAME] [--output json|table]
//	polyshare list  --parent UUID [--output json|table]
//	polyshare serve [--addr 127.0.0.1:8080] [--config FILE]
//	polyshare demo
//	polyshare version
//
// Exit codes: 0 success; 1 the API answered with an error; 2 usage or invalid
// input (nothing was sent); 3 network or transport failure.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/polyshare/polyshare/wrapper"
)

// Exit codes.
const (
	exitOK        = 0
	exitAPI       = 1
	exitUsage     = 2
	exitTransport = 3
)

const usage = `polyshare: share Polytomic connections, list shared copies, run a fake API

Usage:
  polyshare share --parent UUID --child UUID [--name NAME]   share a connection into a child organisation
  polyshare list  --parent UUID                              list the shared copies of a connection
  polyshare serve [--addr 127.0.0.1:8080]                    run the fake Polytomic API for tests
  polyshare demo                                             share and list through an in-process fake
  polyshare version                                          print the version

share and list print JSON (the API's answer); --output table prints a table.
Run 'polyshare <command> --help' or 'polyshare help <command>' for a command's flags.

Environment:
  POLYTOMIC_URL             API base URL (default https://app.polytomic.com); --url overrides
  POLYTOMIC_API_KEY         API or partner key, sent as a Bearer token (sharing needs a partner key)
  POLYTOMIC_DEPLOYMENT_KEY  on-premises deployment key, sent as HTTP Basic
  POLYTOMIC_VERSION         X-Polytomic-Version (default 2024-02-08); --api-version overrides

Exit codes: 0 success, 1 API error, 2 usage or invalid input (nothing sent), 3 network failure.

Example:
  polyshare serve --addr 127.0.0.1:8080 &
  export POLYTOMIC_URL=http://127.0.0.1:8080 POLYTOMIC_API_KEY=any-key
  polyshare share --parent 248df4b7-aa70-47b8-a036-33ac447e668d --child 0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c
  polyshare list --parent 248df4b7-aa70-47b8-a036-33ac447e668d --output table
`

func main() {
	// Without this, writing to a closed stdout (polyshare list | head -c0)
	// kills the process with SIGPIPE before it can say anything, and a
	// share's new id is lost silently. Asking for SIGPIPE turns such writes
	// into EPIPE errors, which the commands report on stderr (exit 3).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole CLI, testable without a process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// Everything printed, on both streams, goes through the redactor.
	ks := envKeys(getenv)
	out, errw := newRedactingWriter(stdout, ks), newRedactingWriter(stderr, ks)
	code := dispatch(ctx, args, getenv, out, errw)
	if err := out.Flush(); err != nil && code == exitOK {
		code = exitTransport
	}
	_ = errw.Flush() // nowhere left to report a failure to write an error
	return code
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "share":
		return runShare(ctx, args[1:], getenv, stdout, stderr)
	case "list":
		return runList(ctx, args[1:], getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "help":
		return runHelp(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "polyshare: unknown command %q%s (run 'polyshare --help' for the commands)\n", safeText(args[0]), commandHint(args[0]))
		return exitUsage
	}
}

// commands are the CLI's commands, as 'polyshare --help' lists them.
var commands = []string{"share", "list", "serve", "demo", "version"}

// commandHint names the command a mistyped one was probably meant to be,
// as ": did you mean share?", or is "".
func commandHint(typed string) string {
	if c := closest(strings.ToLower(typed), commands); c != "" {
		return ": did you mean " + c + "?"
	}
	return ""
}

// runHelp prints the top-level help, or with a command's name that
// command's help, as 'polyshare CMD --help' does.
func runHelp(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || (len(args) == 1 && args[0] == "help"):
		fmt.Fprint(stdout, usage)
		return exitOK
	case len(args) > 1:
		fmt.Fprintf(stderr, "polyshare help: takes one command, got %d arguments (run 'polyshare --help' for the commands)\n", len(args))
		return exitUsage
	}
	switch args[0] {
	case commands[0], commands[1], commands[2], commands[3], commands[4]:
		return dispatch(ctx, []string{args[0], "--help"}, getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "polyshare help: unknown command %q%s (run 'polyshare --help' for the commands)\n", safeText(args[0]), commandHint(args[0]))
	return exitUsage
}

// runVersion prints the module version and VCS revision from the build
// information, and the client library version sent in the User-Agent.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", `Usage: polyshare version

Prints the polyshare version and VCS revision (from the build information),
the client library version sent in the User-Agent, and the Go version.

Example:
  polyshare version
  polyshare (devel) 2796711c0a1b (client 0.1.0, go1.26.0)`, stderr)
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	mod, rev := "(unknown)", ""
	goVersion := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		mod = bi.Main.Version
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(stdout, "polyshare %s%s (client %s, %s)\n", mod, rev, wrapper.Version, goVersion)
	return exitOK
}
