// Package stdapi lists the exported API of the standard library of the Go
// that runs it (GOROOT's sources, for the current platform), for the
// generator of gopar's symbol tables and for their tests.
package stdapi

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Name is an exported top-level name of a package.
type Name struct {
	// Name is the identifier.
	Name string
	// Kind is "func", "type", "var" or "const".
	Kind string
	// Generic reports whether the function or type has type parameters.
	Generic bool
}

// Packages lists the importable packages of the standard library: no
// internal, vendored or command packages.
func Packages() ([]string, error) {
	out, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") || strings.HasPrefix(p, "cmd/") {
			continue
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Exported lists the exported top-level names of package path, sorted.
func Exported(path string) ([]Name, error) {
	bp, err := build.Default.Import(path, "", 0)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	var out []Name
	add := func(n Name) {
		if ast.IsExported(n.Name) && !seen[n.Name] {
			seen[n.Name] = true
			out = append(out, n)
		}
	}
	for _, f := range bp.GoFiles {
		af, err := parser.ParseFile(fset, filepath.Join(bp.Dir, f), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					add(Name{d.Name.Name, "func", d.Type.TypeParams != nil})
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						add(Name{s.Name.Name, "type", s.TypeParams != nil})
					case *ast.ValueSpec:
						for _, n := range s.Names {
							add(Name{n.Name, strings.ToLower(d.Tok.String()), false})
						}
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
