// Command benchtable turns `go test -bench` output (stdin) into Markdown
// tables: one per benchmark, one row per sub-benchmark, the median of every
// metric over -count runs, and each metric's ratio to the baseline row (the
// first sub-benchmark, or -base). It then checks the client targets from the
// performance issue when the Share/List client benchmarks are present.
//
//	go test -bench . -count 6 ./client | go run ./cmd/benchtable
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// stats is one sub-benchmark's samples per unit.
type stats struct {
	name    string
	samples map[string][]float64
}

func (s *stats) median(unit string) float64 {
	v := slices.Clone(s.samples[unit])
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// table is one top-level benchmark and its sub-benchmarks in input order.
type table struct {
	name string
	rows []*stats
}

func (t *table) row(name string) *stats {
	for _, r := range t.rows {
		if r.name == name {
			return r
		}
	}
	return nil
}

func main() {
	base := flag.String("base", "", "sub-benchmark to divide by (default: the first one of each table)")
	targets := flag.Bool("targets", true, "check the client targets (Wrapper vs Raw and Ogen)")
	flag.Parse()
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	// A failed benchmark must fail `make bench`, not vanish from the table.
	if bytes.HasPrefix(in, []byte("FAIL")) || bytes.Contains(in, []byte("\nFAIL")) || bytes.Contains(in, []byte("--- FAIL")) {
		os.Stdout.Write(in)
		fmt.Fprintln(os.Stderr, "benchtable: the benchmarks failed")
		os.Exit(1)
	}
	tables, err := read(bytes.NewReader(in))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(tables) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	for _, t := range tables {
		print(os.Stdout, t, *base)
	}
	if *targets {
		checkTargets(os.Stdout, tables)
	}
}

func read(r io.Reader) ([]*table, error) {
	var tables []*table
	byName := map[string]*table{}
	rd := benchfmt.NewReader(r, "stdin")
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue // file configuration lines and syntax errors in non-benchmark output
		}
		top, sub := string(res.Name.Base()), ""
		_, parts := res.Name.Parts()
		for _, p := range parts {
			if strings.HasPrefix(string(p), "-") { // the GOMAXPROCS suffix
				continue
			}
			sub += strings.TrimPrefix(string(p), "/")
		}
		t := byName[top]
		if t == nil {
			t = &table{name: top}
			byName[top] = t
			tables = append(tables, t)
		}
		row := t.row(sub)
		if row == nil {
			row = &stats{name: sub, samples: map[string][]float64{}}
			t.rows = append(t.rows, row)
		}
		for _, v := range res.Values {
			row.samples[v.Unit] = append(row.samples[v.Unit], v.Value)
		}
	}
	return tables, rd.Err()
}

var units = []string{"sec/op", "B/op", "allocs/op"}

func print(w io.Writer, t *table, baseName string) {
	base := t.rows[0]
	if b := t.row(baseName); b != nil {
		base = b
	}
	n := len(t.rows[0].samples["sec/op"])
	fmt.Fprintf(w, "\n%s (median of %d runs; ratios to %s)\n\n", t.name, n, base.name)
	fmt.Fprintln(w, "| variant | ns/op | B/op | allocs/op | ns/op vs "+base.name+" | B/op vs "+base.name+" | allocs vs "+base.name+" |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %s | %s | %s |\n", r.name,
			r.median("sec/op")*1e9, r.median("B/op"), r.median("allocs/op"),
			ratio(r, base, "sec/op"), ratio(r, base, "B/op"), ratio(r, base, "allocs/op"))
	}
}

func ratio(r, base *stats, unit string) string {
	b := base.median(unit)
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", r.median(unit)/b)
}

// checkTargets states the client targets for every table that has
// Raw, Wrapper and Ogen rows: wrapper <= 1.10x raw ns/op, <= raw + 20
// allocs/op, and not slower than ogen.
func checkTargets(w io.Writer, tables []*table) {
	for _, t := range tables {
		raw, wr, og := t.row("Raw"), t.row("Wrapper"), t.row("Ogen")
		if raw == nil || wr == nil || og == nil {
			continue
		}
		ns := wr.median("sec/op") / raw.median("sec/op")
		extra := wr.median("allocs/op") - raw.median("allocs/op")
		vsOgen := wr.median("sec/op") / og.median("sec/op")
		fmt.Fprintf(w, "\n%s targets:\n", t.name)
		fmt.Fprintf(w, "  wrapper <= 1.10x raw ns/op:      %s (%.2fx)\n", verdict(ns <= 1.10), ns)
		fmt.Fprintf(w, "  wrapper <= raw + 20 allocs/op:   %s (+%.0f)\n", verdict(extra <= 20), extra)
		fmt.Fprintf(w, "  wrapper not slower than ogen:    %s (%.2fx ogen's ns/op)\n", verdict(vsOgen <= 1.0), vsOgen)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
