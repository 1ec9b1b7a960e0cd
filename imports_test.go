package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// layers says which of gopar's own packages each package may import (its
// non-test imports), as README's layout and the design notes draw them:
// arrows point one way, from the binary down to the contract. A package not
// listed here may import only internal/ packages; any package may import
// internal/ packages and the packages of its own tree (interp/magic may
// import interp/cellsyntax). Subpackages inherit their parent's entry unless
// listed themselves.
var layers = map[string][]string{
	".":                 {"engine", "kernel", "interp", "nbrun", "install", "dist", "display", "parlib"},
	"kernel":            {"engine"},
	"kernel/kerneltest": {"engine"},
	"engine":            {},
	"engine/proc":       {"engine"},
	"interp":            {"engine", "interp", "parlib", "display", "dist"},
	"display":           {"engine", "parlib"},
	"nbrun":             {"engine"},
	"install":           {},
	"parlib":            {},
	"dist":              {"engine", "parlib"},
	"e2e":               {"engine", "kernel", "interp", "nbrun", "install", "display", "parlib", "dist"},
	"bench":             {"parlib"},
}

// TestImportLayers fails when a package imports one of gopar's packages
// that its layer does not allow (the kernel reaching for the interpreter,
// parlib for the kernel, …). If the design tells you to import upwards, move
// the piece instead.
func TestImportLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/gopar/gopar"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		if rel == "" {
			rel = "."
		}
		allowed, ok := layerOf(rel)
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/traefik/yaegi") && rel != "interp" && !strings.HasPrefix(rel, "interp/") {
				t.Errorf("%s imports %s: only the Go engine (interp) may see yaegi", rel, imp)
			}
			dep, ours := strings.CutPrefix(imp, mod+"/")
			if !ours || strings.HasPrefix(dep, "internal/") || top(dep) == top(rel) {
				continue
			}
			if !ok || !permitted(dep, allowed) {
				t.Errorf("%s imports %s: its layer allows only %v (and internal/)", rel, dep, allowed)
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list found only %d packages", n)
	}
}

// layerOf finds the entry of pkg or of its nearest listed parent.
func layerOf(pkg string) ([]string, bool) {
	for p := pkg; ; {
		if l, ok := layers[p]; ok {
			return l, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			return nil, strings.HasPrefix(pkg, "internal/")
		}
		p = p[:i]
	}
}

// top is the first element of a package path ("interp" for interp/magic).
func top(pkg string) string {
	first, _, _ := strings.Cut(pkg, "/")
	return first
}

// permitted tells whether dep is one of allowed or inside one of them.
func permitted(dep string, allowed []string) bool {
	for _, a := range allowed {
		if dep == a || strings.HasPrefix(dep, a+"/") {
			return true
		}
	}
	return false
}
