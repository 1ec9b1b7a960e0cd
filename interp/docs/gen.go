//go:build ignore

// gen writes docs.json.gz: the signatures and doc comments of the packages
// that gopar cells can use, read with go/parser and go/doc from GOROOT and the
// module cache. Run it with `go generate ./interp/docs`.
//
// Standard-library packages are the ones cells can use (yaegi's tables,
// gopar's completing ones, gopar's Go-source packages), restricted to the
// names cells get; gopar's and gonum's packages are documented in full. A package that cannot be found or parsed
// is reported on stderr and left out.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"

	"github.com/gopar/gopar/interp/gostd"
	"github.com/gopar/gopar/interp/symbols/std"
)

// extra are the non-standard packages documented in full.
var extra = []string{
	"github.com/gopar/gopar/parlib",
	"github.com/gopar/gopar/display",
	"github.com/gopar/gopar/dist",
	"gonum.org/v1/plot",
	"gonum.org/v1/plot/font",
	"gonum.org/v1/plot/plotter",
	"gonum.org/v1/plot/plotutil",
	"gonum.org/v1/plot/vg",
	"gonum.org/v1/plot/vg/vgimg",
	"gonum.org/v1/plot/vg/vgsvg",
	"gonum.org/v1/plot/vg/draw",
	"gonum.org/v1/gonum/mat",
}

// maxSigLines bounds a type's or a const group's printed declaration.
const maxSigLines = 40

type entry struct {
	Name      string `json:"n"`
	Kind      string `json:"k"`
	Signature string `json:"s"`
	Doc       string `json:"d,omitempty"`
}

type pkgDoc struct {
	Name     string  `json:"name"`
	Synopsis string  `json:"synopsis"`
	Doc      string  `json:"doc"`
	Entries  []entry `json:"entries"`
}

type listed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Error      *struct{ Err string }
}

// mergeTables merges symbol tables, package by package.
func mergeTables(tables []map[string]map[string]reflect.Value) map[string]map[string]reflect.Value {
	out := map[string]map[string]reflect.Value{}
	for _, t := range tables {
		for key, syms := range t {
			if out[key] == nil {
				out[key] = map[string]reflect.Value{}
			}
			for n, v := range syms {
				out[key][n] = v
			}
		}
	}
	return out
}

func main() {
	out := flag.String("o", "docs.json.gz", "output file")
	flag.Parse()

	// Standard packages and the names cells get from each: yaegi's tables,
	// gopar's (interp/symbols/std), gopar's Go-source packages
	// (interp/gostd).
	allowed := map[string]map[string]bool{}
	tables := []map[string]map[string]reflect.Value{stdlib.Symbols, std.Symbols, std.Instances, syscall.Symbols}
	for key, syms := range mergeTables(tables) {
		i := strings.LastIndex(key, "/")
		if i < 0 || strings.Contains(key, ".") {
			continue // "." and github.com/traefik/yaegi/stdlib/stdlib
		}
		path := key[:i]
		names := map[string]bool{}
		for n := range syms {
			names[n] = true
		}
		if len(names) > 0 { // generic packages (slices, maps, cmp) come from source
			allowed[path] = names
		} else {
			allowed[path] = nil
		}
	}
	for name, f := range gostd.Funcs() {
		p := f.Package.Path
		if !f.Package.Complement() {
			allowed[p] = nil // all of it
			continue
		}
		if allowed[p] != nil {
			allowed[p][strings.TrimPrefix(name, p+".")] = true
		}
	}
	var paths []string
	for p := range allowed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	paths = append(paths, "builtin")
	paths = append(paths, extra...)

	pkgs := list(paths)
	all := map[string]*pkgDoc{}
	for _, p := range paths {
		l, ok := pkgs[p]
		if !ok || l.Dir == "" {
			fmt.Fprintf(os.Stderr, "gen: %s: not found, skipped\n", p)
			continue
		}
		if l.Error != nil && len(l.GoFiles) == 0 {
			fmt.Fprintf(os.Stderr, "gen: %s: %s, skipped\n", p, l.Error.Err)
			continue
		}
		d, err := document(l, allowed[p], p == "builtin")
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v, skipped\n", p, err)
			continue
		}
		all[p] = d
	}

	raw, err := json.Marshal(all)
	if err != nil {
		fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fatal(err)
	}
	n := 0
	for _, d := range all {
		n += len(d.Entries)
	}
	fmt.Fprintf(os.Stderr, "gen: %d packages, %d entries, %d bytes JSON, %d bytes gzip -> %s\n",
		len(all), n, len(raw), buf.Len(), *out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// list runs `go list -e -json` on paths.
func list(paths []string) map[string]listed {
	cmd := exec.Command("go", append([]string{"list", "-e", "-json"}, paths...)...)
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		fatal(fmt.Errorf("go list: %v", err))
	}
	res := map[string]listed{}
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var l listed
		if err := dec.Decode(&l); err != nil {
			fatal(err)
		}
		res[l.ImportPath] = l
	}
	return res
}

func document(l listed, allowed map[string]bool, builtin bool) (*pkgDoc, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range append(append([]string{}, l.GoFiles...), l.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(l.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files")
	}
	var mode doc.Mode
	if builtin {
		mode = doc.AllDecls
	}
	p, err := doc.NewFromFiles(fset, files, l.ImportPath, mode)
	if err != nil {
		return nil, err
	}
	ok := func(name string) bool {
		if allowed == nil {
			return builtin || ast.IsExported(name)
		}
		return allowed[name]
	}
	d := &pkgDoc{Name: p.Name, Synopsis: p.Synopsis(p.Doc), Doc: p.Doc}
	add := func(name, kind, sig, text string) {
		d.Entries = append(d.Entries, entry{Name: name, Kind: kind, Signature: sig, Doc: strings.TrimSpace(text)})
	}
	values := func(vs []*doc.Value, kind string) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, id := range vs.Names {
					if !ok(id.Name) {
						continue
					}
					text := v.Doc
					if vs.Doc != nil {
						text = vs.Doc.Text()
					} else if vs.Comment != nil && text == "" {
						text = vs.Comment.Text()
					}
					add(id.Name, kind, valueSig(fset, v.Decl, vs, kind), text)
				}
			}
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			if ok(f.Name) {
				add(f.Name, "func", funcSig(fset, f.Decl), f.Doc)
			}
		}
	}
	values(p.Consts, "const")
	values(p.Vars, "var")
	funcs(p.Funcs)
	for _, t := range p.Types {
		values(t.Consts, "const")
		values(t.Vars, "var")
		funcs(t.Funcs)
		if !ok(t.Name) {
			continue
		}
		add(t.Name, "type", typeSig(fset, t.Decl), t.Doc)
		for _, m := range t.Methods {
			if ast.IsExported(m.Name) {
				add(t.Name+"."+m.Name, "method", funcSig(fset, m.Decl), m.Doc)
			}
		}
	}
	sort.Slice(d.Entries, func(i, j int) bool { return d.Entries[i].Name < d.Entries[j].Name })
	return d, nil
}

func printNode(fset *token.FileSet, node any) string {
	var b bytes.Buffer
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	cfg.Fprint(&b, fset, node)
	return b.String()
}

func funcSig(fset *token.FileSet, d *ast.FuncDecl) string {
	c := *d
	c.Body = nil
	c.Doc = nil
	return printNode(fset, &c)
}

func truncate(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= maxSigLines {
		return s
	}
	return strings.Join(lines[:maxSigLines-1], "\n") + "\n\t// ... (truncated)\n}"
}

func typeSig(fset *token.FileSet, d *ast.GenDecl) string {
	c := *d
	c.Doc = nil
	if len(c.Specs) == 1 {
		ts := *c.Specs[0].(*ast.TypeSpec)
		ts.Doc = nil
		c.Specs = []ast.Spec{&ts}
		c.Lparen = token.NoPos
	}
	return truncate(printNode(fset, &c))
}

// valueSig prints one spec alone when it carries its type or value, else the
// whole group (iota sequences make sense only together).
func valueSig(fset *token.FileSet, d *ast.GenDecl, vs *ast.ValueSpec, kind string) string {
	if len(d.Specs) == 1 || (vs.Type != nil || len(vs.Values) > 0) && !usesIota(vs) {
		c := *vs
		c.Doc = nil
		c.Comment = nil
		return kind + " " + printNode(fset, &c)
	}
	c := *d
	c.Doc = nil
	return truncate(printNode(fset, &c))
}

func usesIota(vs *ast.ValueSpec) bool {
	found := false
	for _, v := range vs.Values {
		ast.Inspect(v, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
				found = true
			}
			return !found
		})
	}
	return found
}
