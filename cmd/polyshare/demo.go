package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/fake"
	"github.com/polyshare/polyshare/wrapper"
)

// The demo shares the seed page's connection into an example organisation.
var (
	demoParent = uuid.MustParse("248df4b7-aa70-47b8-a036-33ac447e668d")
	demoChild  = uuid.MustParse("0b8c1a2e-5d3f-4e6a-9b7c-1d2e3f4a5b6c")
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", `Usage: polyshare demo

Starts the fake Polytomic API in process on a random loopback port, shares a
connection into a child organisation through the Go client, lists the shared
copies and prints a short report. Needs no credentials and no network.

Example:
  polyshare demo            # or, from a checkout: go run ./cmd/polyshare demo`, stderr)
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	srv, err := fake.New()
	if err != nil {
		fmt.Fprintf(stderr, "polyshare demo: %v\n", err)
		return exitTransport
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(stderr, "polyshare demo: %v\n", err)
		return exitTransport
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() { done <- serve(sctx, ln, srv, io.Discard, io.Discard) }()
	defer func() { stop(); <-done }()

	url := "http://" + ln.Addr().String()
	client, err := wrapper.New(wrapper.WithBaseURL(url), wrapper.WithAPIKey("demo-partner-key"))
	if err != nil {
		fmt.Fprintf(stderr, "polyshare demo: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	fmt.Fprintf(stdout, "polyshare demo: fake Polytomic API on %s (API version %s)\n\n", url, wrapper.DefaultAPIVersion)
	fmt.Fprintf(stdout, "1. share connection %s\n   into organisation %s\n", demoParent, demoChild)
	id, err := client.CreateSharedConnection(ctx, demoParent, demoChild, wrapper.WithName("Warehouse (shared with Acme)"))
	if err != nil {
		return callError(stderr, "demo", url, err)
	}
	fmt.Fprintf(stdout, "   -> new shared connection %s\n\n", id)

	list, err := client.ListSharedConnections(ctx, demoParent)
	if err != nil {
		return callError(stderr, "demo", url, err)
	}
	fmt.Fprintf(stdout, "2. shared copies of %s: %d\n", demoParent, len(list))
	for _, c := range list {
		fmt.Fprintf(stdout, "   - %s  %q  organisation %s  status %s  created %s\n",
			deref(c.Id), deref(c.Name), deref(c.OrganizationId), deref(c.Status), deref(c.CreatedAt).Format(time.RFC3339))
	}
	fmt.Fprintln(stdout, "\ndone: the connection was shared through wrapper -> HTTP -> fake server and listed back.")
	return exitOK
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
