package symbols

import (
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTablesMatchSources checks that the generated tables list every
// exported, non-generic top-level name of parlib and display, so a changed
// API without `go generate ./interp/symbols/` fails here rather than in a
// notebook.
func TestTablesMatchSources(t *testing.T) {
	for dir, key := range map[string]string{
		"../../parlib":  "github.com/gopar/gopar/parlib/parlib",
		"../../display": "github.com/gopar/gopar/display/display",
		"../../dist":    "github.com/gopar/gopar/dist/dist",
	} {
		table := Symbols[key]
		if table == nil {
			t.Fatalf("no symbol table %q", key)
		}
		for _, name := range exportedNames(t, dir) {
			if _, ok := table[name]; !ok {
				t.Errorf("%s: %s is missing from the symbol table: run go generate ./interp/symbols/", key, name)
			}
		}
	}
}

// exportedNames lists the exported non-generic top-level names declared in
// the non-test Go files of dir.
func exportedNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if constrained(f) {
			continue // platform-specific files: the table holds one platform's
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.TypeParams == nil {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("no exported names found in %s", dir)
	}
	return names
}

// constrained reports whether f has a //go:build line.
func constrained(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break // build constraints come before the package clause
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) {
				return true
			}
		}
	}
	return false
}

// TestExportedNamesSkipsConstrainedFiles checks that exportedNames leaves
// out files with build constraints, also below another comment, and keeps
// the others.
func TestExportedNamesSkipsConstrainedFiles(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"all.go":   "// Package p is a package.\npackage p\n\nfunc All() {}\n",
		"unix.go":  "//go:build unix\n\npackage p\n\nfunc OnUnix() {}\n",
		"other.go": "// Copyright notice.\n\n//go:build !unix\n\npackage p\n\nfunc Elsewhere() {}\n",
		"note.go":  "package p\n\n//go:build ignored: below the package clause\n\nvar Note = 1\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := exportedNames(t, dir)
	slices.Sort(got)
	if want := []string{"All", "Note"}; !slices.Equal(got, want) {
		t.Errorf("exportedNames = %v, want %v", got, want)
	}
}
