// Command throughput measures share-request throughput on loopback for four
// servers with one load generator and the same request count for each:
//
//	raw          a net/http handler answering the share route with a canned body (the ceiling)
//	fake-noval   polyshare's fake behind the generated strict handler, no spec validation
//	fake         `polyshare serve` itself, built from ../cmd/polyshare (full validation)
//	prism        Prism's mock of the same openapi.yaml
//
// Each server runs in its own process (raw and fake-noval: this program,
// re-executed with -serve; fake: the polyshare binary), so the load
// generator and the server share only the machine.
// Rounds alternate the order of the servers and the report takes each
// server's median round, because the machine is shared and noisy.
//
// Everything listens on 127.0.0.1 and every run is bounded by -n.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/polyshare/polyshare/bench/servers"
)

const version = "2024-02-08"

func main() {
	var (
		serveMode  = flag.String("serve", "", "internal: run one server (raw, fake-noval, fake) on -addr")
		addr       = flag.String("addr", "127.0.0.1:0", "internal: address for -serve")
		cpuprofile = flag.String("cpuprofile", "", "internal: with -serve, write a CPU profile here until stopped")
		n          = flag.Int("n", 20000, "requests per server per round")
		conc       = flag.Int("c", 16, "concurrent connections")
		rounds     = flag.Int("rounds", 5, "rounds (order alternates; the median round is reported)")
		prism      = flag.String("prism", "../contract/node_modules/.bin/prism", "Prism CLI; empty or missing skips Prism")
		prismN     = flag.Int("prism-rounds", 1, "rounds for Prism (same -n per round)")
		spec       = flag.String("spec", "../openapi.yaml", "the OpenAPI description Prism mocks")
		only       = flag.String("only", "", "comma-separated servers to measure (default all)")
	)
	flag.Parse()
	if *serveMode != "" {
		if err := serve(*serveMode, *addr, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "throughput:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *conc, *rounds, *prism, *prismN, *spec, *only); err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
}

// handlerFor builds the server under test in the -serve process.
func handlerFor(mode string) (http.Handler, error) {
	switch mode {
	case "raw":
		return servers.Raw(), nil
	case "fake-noval":
		return servers.FakeWithoutValidation()
	case "fake":
		return servers.Fake()
	}
	return nil, fmt.Errorf("unknown server %q", mode)
}

// serve runs one server until SIGINT/SIGTERM, printing its URL first.
func serve(mode, addr, cpuprofile string) error {
	h, err := handlerFor(mode)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("listening on http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return hs.Close()
}

// server is one running server process.
type server struct {
	name string
	url  string
	cmd  *exec.Cmd
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// start launches the named server and waits for its "listening on" line.
func start(ctx context.Context, name, prism, spec string) (*server, error) {
	var cmd *exec.Cmd
	if name == "prism" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, "node", prism, "mock", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--errors", spec)
	} else if name == "fake" {
		// The product itself, with the settings it serves with.
		bin, err := buildPolyshare(ctx)
		if err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0")
	} else {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, self, "-serve", name)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			// Ours print "listening on http://..."; Prism logs "Prism is listening on http://...".
			if i := strings.Index(line, "http://127.0.0.1:"); i >= 0 && strings.Contains(line, "listening on") {
				found <- strings.Fields(line[i:])[0]
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("%s exited before listening", name)
		}
		s.url = u
		return s, nil
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%s did not start within 60s", name)
	}
}

// buildPolyshare builds cmd/polyshare of the main module (bench's parent
// directory) into a temporary directory, so that "fake" is measured exactly
// as `polyshare serve` runs.
func buildPolyshare(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "polyshare-bench")
	if err != nil {
		return "", err
	}
	bin := dir + "/polyshare"
	build := exec.CommandContext(ctx, "go", "build", "-C", "..", "-o", bin, "./cmd/polyshare")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building polyshare: %w", err)
	}
	return bin, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// result is one load run.
type result struct {
	rps      float64
	p50, p99 time.Duration
	non200   int
}

// load sends n share requests over c connections and measures them.
func load(ctx context.Context, url string, n, c int) result {
	tr := &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	target := url + servers.SharePath
	lat := make([]time.Duration, n)
	jobs := make(chan int)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		non200 int
	)
	begin := time.Now()
	for range c {
		wg.Go(func() {
			for i := range jobs {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(servers.ShareBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Polytomic-Version", version)
				req.Header.Set("Authorization", "Bearer bench")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				lat[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					mu.Lock()
					non200++
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			n = i
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	el := time.Since(begin)
	lat = lat[:n]
	slices.Sort(lat)
	return result{rps: float64(n) / el.Seconds(), p50: lat[n/2], p99: lat[n*99/100], non200: non200}
}

func run(ctx context.Context, n, c, rounds int, prism string, prismRounds int, spec, only string) error {
	names := []string{"raw", "fake-noval", "fake"}
	usePrism := prism != ""
	if usePrism {
		if _, err := os.Stat(prism); err != nil {
			fmt.Fprintf(os.Stderr, "throughput: Prism not found at %s (run `npm ci --prefix contract`): skipping it\n", prism)
			usePrism = false
		}
	}
	if usePrism {
		names = append(names, "prism")
	}
	if only != "" {
		names = slices.DeleteFunc(names, func(s string) bool { return !slices.Contains(strings.Split(only, ","), s) })
	}
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, name := range names {
		s, err := start(ctx, name, prism, spec)
		if err != nil {
			return err
		}
		servers[name] = s
		warm := load(ctx, s.url, min(n/10, 1000), c) // connections, caches, JIT for Prism
		if warm.non200 != 0 {
			return fmt.Errorf("%s answered %d non-200s while warming up", name, warm.non200)
		}
	}
	results := map[string][]result{}
	for r := range rounds {
		order := slices.Clone(names)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			if name == "prism" && r >= prismRounds {
				continue
			}
			res := load(ctx, servers[name].url, n, c)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if res.non200 != 0 {
				return fmt.Errorf("%s answered %d non-200s under load", name, res.non200)
			}
			fmt.Fprintf(os.Stderr, "round %d: %-10s %8.0f req/s  p50 %v  p99 %v\n", r+1, name, res.rps, res.p50, res.p99)
			results[name] = append(results[name], res)
		}
	}
	report(names, results, n, c, rounds)
	return nil
}

// median returns the round with the median requests/s.
func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return int(a.rps - b.rps) })
	return s[len(s)/2]
}

var labels = map[string]string{
	"raw":        "raw net/http handler (ceiling)",
	"fake-noval": "fake, no validation",
	"fake":       "fake, full validation (polyshare serve)",
	"prism":      "Prism mock",
}

func report(names []string, results map[string][]result, n, c, rounds int) {
	raw, hasRaw := results["raw"]
	fmt.Printf("\nFake throughput: POST share on 127.0.0.1, %d requests x %d connections per round, median of %d rounds\n\n", n, c, rounds)
	fmt.Println("| server | req/s | p50 | p99 | req/s vs raw |")
	fmt.Println("|---|---:|---:|---:|---:|")
	med := map[string]result{}
	for _, name := range names {
		rs := results[name]
		if len(rs) == 0 {
			continue
		}
		m := median(rs)
		med[name] = m
		ratio := "n/a"
		if hasRaw {
			ratio = fmt.Sprintf("%.2fx", m.rps/median(raw).rps)
		}
		fmt.Printf("| %s | %.0f | %v | %v | %s |\n", labels[name], m.rps, m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), ratio)
	}
	fmt.Println()
	if fake, ok := results["fake"]; ok && hasRaw && len(fake) == len(raw) {
		// Judged on the median of the per-round ratios: raw and fake run
		// back to back in each round, so a round's ratio sees the same noise.
		ratios := make([]float64, len(raw))
		for i := range raw {
			ratios[i] = fake[i].rps / raw[i].rps
		}
		slices.Sort(ratios)
		r := ratios[len(ratios)/2]
		fmt.Printf("target fake >= 0.70x raw: %s (median round ratio %.2fx; rounds %s)\n", verdict(r >= 0.70), r, fmtRatios(ratios))
	}
	if f, ok := med["fake"]; ok {
		if p, ok := med["prism"]; ok {
			r := f.rps / p.rps
			fmt.Printf("target fake >= 20x Prism: %s (%.1fx)\n", verdict(r >= 20), r)
		}
	}
}

func fmtRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	return strings.Join(parts, " ")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
