// Command footprint builds footprint/wrapperonly (imports only wrapper) and
// footprint/rawhttp (net/http + encoding/json), compares their sizes, and
// proves from `go version -m` (the linked modules) and `go tool nm` (the
// symbol table) that the wrapper-only program links neither kin-openapi nor
// the fake. It exits 1 if either is linked.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// forbidden are what a program importing only wrapper must not link: the
// validation library and the fake (which would bring the spec with it).
var forbidden = []string{"github.com/getkin/kin-openapi", "github.com/polyshare/polyshare/fake", "github.com/polyshare/polyshare/generated/spec"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "polyshare-footprint")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sizes := map[string]int64{}
	for _, p := range []string{"rawhttp", "wrapperonly"} {
		bin := filepath.Join(dir, p)
		if out, err := exec.Command("go", "build", "-o", bin, "./footprint/"+p).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", p, err, out)
		}
		st, err := os.Stat(bin)
		if err != nil {
			return err
		}
		sizes[p] = st.Size()
	}
	ratio := float64(sizes["wrapperonly"]) / float64(sizes["rawhttp"])
	fmt.Printf("\nFootprint: default go build, %s\n\n", strings.TrimSpace(output("go", "env", "GOVERSION")))
	fmt.Println("| program | bytes | MiB | vs rawhttp |")
	fmt.Println("|---|---:|---:|---:|")
	for _, p := range []string{"rawhttp", "wrapperonly"} {
		fmt.Printf("| %s | %d | %.2f | %.2fx |\n", p, sizes[p], float64(sizes[p])/(1<<20), float64(sizes[p])/float64(sizes["rawhttp"]))
	}

	bin := filepath.Join(dir, "wrapperonly")
	mods := output("go", "version", "-m", bin)
	syms := output("go", "tool", "nm", bin)
	fmt.Println("\nmodules linked into wrapperonly (go version -m):")
	for _, l := range strings.Split(mods, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "dep" || f[0] == "=>" || f[0] == "mod") {
			fmt.Println("  " + strings.Join(f[:min(3, len(f))], " "))
		}
	}
	linked := false
	for _, f := range forbidden {
		inMods := strings.Contains(mods, f)
		n := countSymbols(syms, f)
		fmt.Printf("  %-45s in go version -m: %-5v symbols in go tool nm: %d\n", f, inMods, n)
		linked = linked || inMods || n > 0
	}
	fmt.Printf("\ntarget wrapper-only binary <= 1.5x raw: %s (%.2fx)\n", verdict(ratio <= 1.5), ratio)
	fmt.Printf("target no kin-openapi or fake linked: %s\n", verdict(!linked))
	if linked {
		return fmt.Errorf("wrapperonly links a forbidden package")
	}
	return nil
}

func countSymbols(nm, pkg string) int {
	n := 0
	for _, l := range strings.Split(nm, "\n") {
		if strings.Contains(l, " "+pkg+".") || strings.Contains(l, " "+pkg+"/") {
			n++
		}
	}
	return n
}

func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "footprint: %s %s: %v\n", name, strings.Join(args, " "), err)
	}
	return string(out)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
