// Package gostd holds gopar's own Go-source versions of the standard
// library's generic packages cmp, iter, slices and maps, for notebook
// cells.
//
// yaegi's symbol tables of compiled packages cannot hold generic functions,
// and its Go-source copies of these packages are Go 1.22's, with
// signatures its type inference cannot handle (it cannot infer E from
// S ~[]E: slices.Sort and slices.Max were missing, slices.Equal needed
// explicit type arguments). These packages are written for gopar (not
// copied from Go's sources) with signatures yaegi infers: []E where Go has
// S ~[]E, map[K]V where Go has M ~map[K]V, and plain function types where
// Go takes an iter.Seq or iter.Seq2. They cover the API of the Go gopar is
// built with (a test compares them with it, and with Go's packages on the
// same inputs). Their type parameters are Go's without the leading ones
// that stand for the slice or map type (S, M1, M2…): given Go's type
// arguments, the engine drops those.
//
// Each subdirectory is an ordinary Go package (built and vetted with the
// rest of gopar, and tested against the standard library); the engine
// compiles its source into the interpreter, where it replaces yaegi's. The
// source is interpreted as written, without the engine's rewriting of
// cells: it must avoid what yaegi lacks (the min, max and clear builtins,
// range over an integer or a function, return of a receive expression),
// which TestSourcesAvoidWhatYaegiLacks checks.
package gostd

import (
	"embed"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gopar/gopar/interp/gostd/internal/sorting"
)

//go:embed cmp/cmp.go iter/iter.go slices/slices.go maps/maps.go
//go:embed sync/sync.go errors/errors.go reflect/reflect.go rand/rand.go
var files embed.FS

// Package is the source of one package.
type Package struct {
	// Path is the import path of the standard package: "slices".
	Path string
	// Name is the package's name in the interpreter: Path's last element
	// for a package that replaces the standard one, "__gopar_sync" for
	// one that complements a compiled standard package with its generic
	// functions (cells' calls of sync.OnceValue call
	// __gopar_sync.OnceValue).
	Name string
	// File is the name of the source file, for positions: "gopar/slices.go".
	File string
	// Source is the Go source.
	Source string
}

// Suffix is the suffix of the package's generic names in the interpreter
// ("__slices": slices.Sort is Sort__slices there; see Renamed).
func (p Package) Suffix() string { return "__" + path.Base(strings.TrimSuffix(p.File, ".go")) }

// Renamed is the name that the generic function or type name of the
// package at path has in the interpreter: Sort__slices for slices.Sort.
// yaegi keeps the instances of generic code by name and type arguments
// only, not by package: slices.Compare[int] was cmp.Compare[int], and a
// cell's Max[int] slices.Max[int]. The engine rewrites cells' uses.
func Renamed(path, name string) string {
	if generics()[path][name] {
		return name + suffixOf(path)
	}
	return name
}

// generics are the generic top-level functions and types of each package,
// by the package's name in the interpreter.
var generics = sync.OnceValue(func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, p := range Packages() {
		f, err := parser.ParseFile(token.NewFileSet(), p.File, p.Source, parser.SkipObjectResolution)
		if err != nil {
			panic("gostd: " + err.Error())
		}
		names := map[string]bool{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Type.TypeParams != nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok && ts.TypeParams != nil {
						names[ts.Name.Name] = true
					}
				}
			}
		}
		out[p.Path] = names
	}
	return out
})

// Interpreted is the package's source as the engine compiles it: its
// generic functions and types, and its uses of those of the other
// packages, renamed (see Renamed). Lines and columns stay.
func (p Package) Interpreted() string { return interpreted()[p.Path] }

// interpreted are the packages' interpreted sources, by path, made once.
var interpreted = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, p := range Packages() {
		out[p.Path] = p.rename()
	}
	return out
})

// rename makes the package's interpreted source.
func (p Package) rename() string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p.File, p.Source, 0)
	if err != nil {
		panic("gostd: " + err.Error())
	}
	own := generics()[p.Path]
	imported := map[string]string{} // name in the file → import path
	for _, im := range f.Imports {
		ip := strings.Trim(im.Path.Value, `"`)
		name := path.Base(ip)
		if im.Name != nil {
			name = im.Name.Name
		}
		imported[name] = ip
	}
	type edit struct{ off, end int }
	var edits []edit
	var suffixes []string
	rename := func(id *ast.Ident, suffix string) {
		edits = append(edits, edit{fset.Position(id.Pos()).Offset, fset.Position(id.End()).Offset})
		suffixes = append(suffixes, suffix)
	}
	selected := map[*ast.Ident]bool{} // the Sel of selectors: not this package's names
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			selected[n.Sel] = true
			if x, ok := n.X.(*ast.Ident); ok && x.Obj == nil {
				if ip, ok := imported[x.Name]; ok && generics()[ip][n.Sel.Name] {
					rename(n.Sel, suffixOf(ip))
				}
			}
		case *ast.Ident:
			if own[n.Name] && !selected[n] && isTopLevel(f, n) {
				rename(n, p.Suffix())
			}
		}
		return true
	})
	var b strings.Builder
	last := 0
	order := make([]int, len(edits))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return edits[order[i]].off < edits[order[j]].off })
	for _, i := range order {
		e := edits[i]
		if e.off < last {
			continue
		}
		b.WriteString(p.Source[last:e.end])
		b.WriteString(suffixes[i])
		last = e.end
	}
	b.WriteString(p.Source[last:])
	return b.String()
}

// suffixOf is the suffix of the generic names of the package at path.
func suffixOf(path string) string {
	for _, p := range Packages() {
		if p.Path == path {
			return p.Suffix()
		}
	}
	return ""
}

// isTopLevel reports whether id names a top-level declaration of f: it is
// the name of one, or refers to one (the parser resolved it to a
// declaration outside any function's scope).
func isTopLevel(f *ast.File, id *ast.Ident) bool {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name == id {
				return true
			}
			if id.Obj != nil && id.Obj.Decl == d {
				return true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				if ts, ok := sp.(*ast.TypeSpec); ok && (ts.Name == id || id.Obj != nil && id.Obj.Decl == ts) {
					return true
				}
			}
		}
	}
	return false
}

// Complement reports whether p complements a compiled package.
func (p Package) Complement() bool { return strings.HasPrefix(p.Name, "__gopar_") }

// Packages are the packages, each after those it imports.
func Packages() []Package {
	var out []Package
	for _, p := range []struct{ path, dir, name string }{
		{"cmp", "cmp", "cmp"}, {"iter", "iter", "iter"}, {"slices", "slices", "slices"}, {"maps", "maps", "maps"},
		{"sync", "sync", "__gopar_sync"}, {"errors", "errors", "__gopar_errors"},
		{"reflect", "reflect", "__gopar_reflect"}, {"math/rand/v2", "rand", "__gopar_rand"},
	} {
		b, err := files.ReadFile(p.dir + "/" + p.dir + ".go")
		if err != nil {
			panic("gostd: " + err.Error()) // embedded: cannot happen
		}
		out = append(out, Package{Path: p.path, Name: p.name, File: "gopar/" + p.dir + ".go", Source: string(b)})
	}
	return out
}

// Complements maps the generic functions of compiled standard packages
// that complementing packages give ("sync.OnceValue") to those packages'
// names in the interpreter ("__gopar_sync").
func Complements() map[string]string {
	out := map[string]string{}
	for name, f := range Funcs() {
		if f.Package.Complement() {
			out[name] = f.Package.Name
		}
	}
	return out
}

// Func is an exported function of a package.
type Func struct {
	// Package is the package that declares it.
	Package Package
	// Decl is its declaration without body and comments, one line:
	// "func Sort[E cmp.Ordered](x []E)".
	Decl string
	// Generic reports whether it has type parameters.
	Generic bool
}

// Funcs are the exported functions of the packages, by "pkg.Name".
func Funcs() map[string]Func {
	out := map[string]Func{}
	fset := token.NewFileSet()
	for _, p := range Packages() {
		f, err := parser.ParseFile(fset, p.File, p.Source, parser.SkipObjectResolution)
		if err != nil {
			panic("gostd: " + err.Error()) // vetted with gopar: cannot happen
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() {
				continue
			}
			decl := p.Source[fset.Position(fd.Type.Pos()).Offset:fset.Position(fd.Type.End()).Offset]
			out[p.Path+"."+fd.Name.Name] = Func{Package: p, Decl: strings.Join(strings.Fields(decl), " "), Generic: fd.Type.TypeParams != nil}
		}
	}
	return out
}

// Symbols are the compiled packages the sources use, in yaegi's layout
// (import path and name → symbol → value).
var Symbols = map[string]map[string]reflect.Value{
	"github.com/gopar/gopar/interp/gostd/internal/sorting/sorting": {
		"Ordered": reflect.ValueOf(sorting.Ordered),
		"Func":    reflect.ValueOf(sorting.Func),
	},
}

// Types are the exported types of the packages that replace standard
// ones: "iter.Seq".
func Types() []string {
	var out []string
	fset := token.NewFileSet()
	for _, p := range Packages() {
		f, err := parser.ParseFile(fset, p.File, p.Source, parser.SkipObjectResolution)
		if err != nil {
			panic("gostd: " + err.Error())
		}
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE && !p.Complement() {
				for _, s := range gd.Specs {
					if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
						out = append(out, p.Path+"."+ts.Name.Name)
					}
				}
			}
		}
	}
	return out
}
