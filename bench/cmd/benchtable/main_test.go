package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: example
BenchmarkShare/Raw-2       100  1000 ns/op  100 B/op  10 allocs/op
BenchmarkShare/Wrapper-2   100  1200 ns/op  150 B/op  40 allocs/op
BenchmarkShare/Ogen-2      100  1100 ns/op  120 B/op  12 allocs/op
BenchmarkShare/Raw-2       100  3000 ns/op  100 B/op  10 allocs/op
BenchmarkShare/Wrapper-2   100  1000 ns/op  150 B/op  40 allocs/op
BenchmarkShare/Ogen-2      100  1100 ns/op  120 B/op  12 allocs/op
BenchmarkShare/Raw-2       100  1000 ns/op  100 B/op  10 allocs/op
BenchmarkShare/Wrapper-2   100  1050 ns/op  150 B/op  40 allocs/op
BenchmarkShare/Ogen-2      100  1100 ns/op  120 B/op  12 allocs/op
PASS
`

// TestTableUsesMediansAndRatios checks that the outlier run (Raw 3000 ns)
// does not move the median, that ratios divide by the Raw row, and that the
// targets are judged from those medians.
func TestTableUsesMediansAndRatios(t *testing.T) {
	tables, err := read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].rows) != 3 {
		t.Fatalf("got %d tables, want 1 with 3 rows", len(tables))
	}
	var out bytes.Buffer
	print(&out, tables[0], "")
	checkTargets(&out, tables)
	for _, want := range []string{
		"| Raw | 1000 | 100 | 10 | 1.00x | 1.00x | 1.00x |",
		"| Wrapper | 1050 | 150 | 40 | 1.05x | 1.50x | 4.00x |",
		"| Ogen | 1100 | 120 | 12 | 1.10x | 1.20x | 1.20x |",
		"wrapper <= 1.10x raw ns/op:      met (1.05x)",
		"wrapper <= raw + 20 allocs/op:   MISSED (+30)",
		"wrapper not slower than ogen:    met (0.95x ogen's ns/op)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
