package interp

import (
	"fmt"
	"go/ast"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/symbols/std"
)

// packageNames maps the names cells use for packages to import paths, for
// auto-import. Where names clash, the more common package wins.
func packageNames(it *yaegi.Interpreter, tables []yaegi.Exports) map[string]string {
	preferred := map[string]string{
		"rand": "math/rand", "template": "text/template", "draw": "gonum.org/v1/plot/vg/draw",
		"pprof": "runtime/pprof", "scanner": "text/scanner", "constant": "go/constant",
		"format": "go/format", "parser": "go/parser", "token": "go/token", "ast": "go/ast",
		"build": "go/build", "doc": "go/doc", "printer": "go/printer", "types": "go/types",
		"errors": "errors", "trace": "runtime/trace", "color": "image/color",
		"hash": "hash", "big": "math/big", "exec": "os/exec", "signal": "os/signal",
		"user": "os/user", "url": "net/url", "http": "net/http", "json": "encoding/json",
	}
	out := map[string]string{}
	var keys []string
	for _, t := range tables {
		for k := range t {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := strings.LastIndex(k, "/")
		if i < 0 {
			continue
		}
		path, name := k[:i], k[i+1:]
		if strings.Contains(path, "internal") || strings.HasPrefix(path, "github.com/traefik/") || path == rtPath {
			continue
		}
		if p, ok := preferred[name]; ok {
			out[name] = p
			continue
		}
		if old, ok := out[name]; !ok || strings.Count(path, "/") < strings.Count(old, "/") {
			out[name] = path
		}
	}
	return out
}

// imports evaluates the cell's import declarations, skipping packages
// already imported under the same name.
func (x *execution) imports() error {
	if err := x.importConflicts(); err != nil {
		return err
	}
	return x.eachImport(func(i int, spec *ast.ImportSpec, name, p string) error {
		return x.importPkg(name, p, x.off(i, spec.Pos()))
	})
}

// eachImport calls f for each import spec of the cell, in order, with the
// unit it is in, the name it gives the package ("" for none) and the
// package's path, until f returns an error.
func (x *execution) eachImport(f func(i int, spec *ast.ImportSpec, name, path string) error) error {
	for i := range x.units {
		u := &x.units[i]
		if u.kind != uImport || u.decl == nil {
			continue
		}
		for _, s := range u.decl.(*ast.GenDecl).Specs {
			spec := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(spec.Path.Value)
			name := ""
			if spec.Name != nil {
				name = spec.Name.Name
			}
			if err := f(i, spec, name, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// pkgName is the name a package is known by in cells.
func (x *execution) pkgName(p string) string {
	for n, q := range x.st.packages {
		if q == p {
			return n
		}
	}
	base := path.Base(p)
	if strings.HasPrefix(base, "v") && len(base) > 1 && base[1] >= '0' && base[1] <= '9' {
		base = path.Base(path.Dir(p))
	}
	return base
}

// importPkg imports package p as name (its own name if ""). A global that
// an earlier cell defined under that name is hidden: the later cell's
// import says what the name means from then on (see hideGlobal).
func (x *execution) importPkg(name, p string, off int) error {
	if name == "_" {
		return nil // symbols are preloaded; nothing to initialise
	}
	if reason, ok := std.Excluded[p]; ok {
		// Refused before a native build could load it as a plugin.
		return x.errAt(off, engine.ImportError, fmt.Sprintf("cannot import %q: gopar leaves it out: %s", p, reason))
	}
	if err := x.importNative(p, off); err != nil {
		return err
	}
	if name == "" {
		name = x.pkgName(p)
	}
	if old, ok := x.st.imports[name]; ok {
		if old == p {
			x.hideGlobal(name, p)
			return nil
		}
		return x.errAt(off, engine.ImportError, fmt.Sprintf("%s is already imported as %q: import %q under another name (import x%s %q), or %%reset", name, old, p, name, p))
	}
	text := fmt.Sprintf("import %s %q", name, p)
	cr := x.st.newCell(text, x.cell.count)
	c := &chunk{pieces: []piece{{0, len(text), nil}}, transient: true}
	c.build(text, cr)
	if _, err := x.e.evalChunk(x.ctx, x.st, c); err != nil {
		if x.ctx.Err() != nil {
			return cellError{interruptError()}
		}
		return x.errAt(off, engine.ImportError, fmt.Sprintf("cannot import %q: not available in gopar (cells have the standard library of %s, "+
			"parlib, display, dist, gonum/plot and gonum/mat, compiled in; other packages are not loaded)", p, runtime.Version()))
	}
	x.st.imports[name] = p
	x.hideGlobal(name, p)
	return nil
}

// hideGlobal makes name, just imported as package p, mean the package in
// later code, when an earlier cell defined a global of that name. In a Go
// file, the import and the variable would conflict ("bytes redeclared");
// in a notebook the later cell says what the name means now, as a later
// variable of a package's name does (yaegi looks up the package's name
// after the globals). Code compiled before keeps using the variable.
func (x *execution) hideGlobal(name, p string) {
	g := x.st.globals[name]
	if g == nil {
		return
	}
	x.st.in.hideGlobal(varName(name))
	delete(x.st.globals, name)
	if g.kind == "type" {
		delete(x.st.types, name)
	}
	what := kindWords[g.kind]
	def := ""
	if g.cell != nil && g.cell.count > 0 {
		def = fmt.Sprintf(" that In [%d] defined", g.cell.count)
	}
	if out := x.e.cap.output(); out != nil {
		out.Stream("stderr", fmt.Sprintf("note: import %q hides the %s %s%s: from here on, %s is the package "+
			"(code defined before keeps using the %s).\n", p, what, name, def, name, what))
	}
}

// importConflicts refuses a cell that imports a package under a name it
// also declares, as Go does: which one the cell means is unclear.
func (x *execution) importConflicts() error {
	declared := map[string]int{}
	for i := range x.units {
		if x.units[i].kind == uImport {
			continue
		}
		for _, n := range x.unitNames(i) {
			if _, ok := declared[n]; !ok {
				declared[n] = i
			}
		}
	}
	return x.eachImport(func(i int, spec *ast.ImportSpec, name, p string) error {
		if name == "" {
			name = x.pkgName(p)
		}
		if j, ok := declared[name]; ok {
			line, _ := off2pos(x.src, x.units[j].start)
			return x.errAt(x.off(i, spec.Pos()), engine.CompileError, fmt.Sprintf(
				"%s is both the package this cell imports and a name it declares on line %d: import the package under another name (import x%s %q), or rename the other",
				name, line, name, p))
		}
		return nil
	})
}

// autoImports imports the packages the cell uses without importing them.
func (x *execution) autoImports() error {
	declared := map[string]bool{}
	for i := range x.units {
		for _, n := range x.unitNames(i) {
			declared[n] = true
		}
	}
	for i := range x.units {
		u := &x.units[i]
		var root ast.Node = u.stmt
		if u.decl != nil {
			root = u.decl
		}
		if root == nil || u.kind == uImport {
			continue
		}
		var err error
		ast.Inspect(root, func(n ast.Node) bool {
			if err != nil {
				return false
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok || id.Obj != nil || declared[id.Name] {
				return true
			}
			if _, ok := x.st.imports[id.Name]; ok {
				return true
			}
			if g := x.st.globals[id.Name]; g != nil {
				return true
			}
			if p, ok := x.st.packages[id.Name]; ok {
				err = x.importPkg(id.Name, p, x.off(i, id.Pos()))
			} else if !cellsyntax.IsPredeclared(id.Name) {
				// Neither a package nor a name: yaegi crashes on some of
				// these (in a type, a signature, a constant).
				err = x.errAt(x.off(i, id.Pos()), engine.CompileError, "undefined: "+id.Name)
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}
