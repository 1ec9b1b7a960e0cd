package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	ysyscall "github.com/traefik/yaegi/stdlib/syscall"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/gostd"
	"github.com/gopar/gopar/interp/symbols/std"
)

// The standard library as cells see it: yaegi's symbol tables (Go 1.22's),
// completed by gopar's for the Go it is built with (package symbols/std),
// and gopar's Go-source versions of the generic packages cmp, iter, slices
// and maps, and of the generic functions of sync, errors, reflect and
// math/rand/v2 (package gostd), compiled into the interpreter.

// stdTables are the symbol tables of the standard library, after yaegi's
// (stdlib.Symbols, which fixStdlib adjusts when it is used): the names its
// tables (Go 1.22's) lack, for the Go gopar is built with (package
// symbols/std, generated); single instances of a few generic functions;
// gopar's log.Logger, which has every method of Go's; syscall, minus what
// can take the kernel down (see syscallSymbols); and the compiled packages
// gopar's Go-source packages use.
func stdTables() []yaegi.Exports {
	return []yaegi.Exports{std.Symbols, std.Instances, {"log/log": std.Log}, syscallSymbols(), gostd.Symbols}
}

// syscallSymbols is yaegi's restricted table of package syscall (it lacks
// Exec, ForkExec, StartProcess, Kill, Exit, Ptrace…, Reboot, Shutdown and
// the raw Syscall functions), without the names of std.SyscallExcluded,
// with gopar's Kill and Exit (syscallOverrides).
func syscallSymbols() yaegi.Exports {
	t := map[string]reflect.Value{}
	for k, v := range ysyscall.Symbols["syscall/syscall"] {
		if _, excluded := std.SyscallExcluded[k]; !excluded {
			t[k] = v
		}
	}
	for k, v := range syscallOverrides {
		t[k] = v
	}
	return yaegi.Exports{"syscall/syscall": t}
}

// loadStd compiles the Go-source packages at paths (and those they
// import) into the interpreter, if not done yet: a cell that uses one
// loads it first (useStd), so that starting an engine does not pay for
// them. Their generic names are renamed (slices.Sort is slices.Sort__slices
// there: see gostd.Renamed, and the rewriter's stdRename). Each has a file
// name of its own ("gopar/slices.go"), which scopes its imports to it and
// tells its positions from the cells'.
func (st *state) loadStd(paths ...string) error {
	need := map[string]bool{}
	var add func(p string)
	add = func(p string) {
		if need[p] || st.std[p] {
			return
		}
		need[p] = true
		for _, dep := range stdImports()[p] {
			add(dep)
		}
	}
	for _, p := range paths {
		add(p)
	}
	for _, p := range gostd.Packages() { // each after those it imports
		if !need[p.Path] {
			continue
		}
		if _, err := st.it.Eval("//line " + p.File + ":1:1\n" + p.Interpreted()); err != nil {
			return fmt.Errorf("interp: loading gopar's package %s: %w", p.Path, err)
		}
		st.std[p.Path] = true
	}
	st.in.dropRoots()
	return nil
}

// stdImports are, for each of gopar's Go-source packages, those of them it
// imports.
var stdImports = sync.OnceValue(func() map[string][]string {
	paths := map[string]bool{}
	for _, p := range gostd.Packages() {
		paths[p.Path] = true
	}
	out := map[string][]string{}
	for _, p := range gostd.Packages() {
		f, err := parser.ParseFile(token.NewFileSet(), p.File, p.Source, parser.ImportsOnly)
		if err != nil {
			panic("interp: " + err.Error()) // vetted with gopar: cannot happen
		}
		for _, im := range f.Imports {
			if ip, _ := strconv.Unquote(im.Path.Value); paths[ip] && ip != p.Path {
				out[p.Path] = append(out[p.Path], ip)
			}
		}
	}
	return out
})

// useStd loads the Go-source packages the cell uses: a package of gopar's
// standard library it imports or names (slices.Sort), or a generic
// function of a compiled package that gopar gives in Go source
// (sync.OnceValue).
func (x *execution) useStd() error {
	var paths []string
	imported := map[string]string{} // by the cell's imports
	for i := range x.units {
		if d, ok := x.units[i].decl.(*ast.GenDecl); ok && x.units[i].kind == uImport {
			for _, sp := range d.Specs {
				spec := sp.(*ast.ImportSpec)
				p, _ := strconv.Unquote(spec.Path.Value)
				name := x.pkgName(p)
				if spec.Name != nil {
					name = spec.Name.Name
				}
				imported[name] = p
			}
		}
	}
	for i := range x.units {
		u := &x.units[i]
		var root ast.Node = u.stmt
		if u.decl != nil {
			root = u.decl
		}
		if root == nil {
			continue
		}
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				if p, _ := strconv.Unquote(n.Path.Value); stdSymbols()[p] != nil {
					paths = append(paths, p)
				}
			case *ast.SelectorExpr:
				id, ok := n.X.(*ast.Ident)
				if !ok || id.Obj != nil || x.st.globals[id.Name] != nil {
					return true
				}
				p, ok := imported[id.Name]
				if !ok {
					p, ok = x.st.imports[id.Name]
				}
				if !ok {
					p, ok = x.st.packages[id.Name]
				}
				if !ok {
					return true
				}
				if stdSymbols()[p] != nil {
					paths = append(paths, p)
				} else if complements()[p+"."+n.Sel.Name] != "" {
					paths = append(paths, p)
				}
			}
			return true
		})
	}
	if len(paths) == 0 {
		return nil
	}
	if err := x.st.loadStd(paths...); err != nil {
		return cellError{engine.NewError(engine.InternalError, err.Error(),
			"InternalError: "+err.Error(), "This is a bug in gopar: please report it at "+issuesURL+".")}
	}
	return nil
}

// stdFuncs are the exported functions of gopar's Go-source packages, by
// "path.Name".
var stdFuncs = sync.OnceValue(gostd.Funcs)

// complements maps the generic functions of compiled standard packages
// that gopar's Go-source packages give ("sync.OnceValue") to the name of
// the package that has them ("__gopar_sync"), for the rewriter.
var complements = sync.OnceValue(gostd.Complements)

// stdSymbols are stand-ins for the symbols of gopar's Go-source packages,
// for completion and inspection (whose signatures come from Go's
// documentation): a func for each function, a nil pointer (yaegi's form
// of a type) for each type.
var stdSymbols = sync.OnceValue(func() map[string]map[string]reflect.Value {
	out := map[string]map[string]reflect.Value{}
	for _, p := range gostd.Packages() {
		if !p.Complement() {
			out[p.Path] = map[string]reflect.Value{}
		}
	}
	for name, f := range stdFuncs() {
		if !f.Package.Complement() {
			pkg, fn, _ := strings.Cut(name, ".")
			out[pkg][fn] = reflect.ValueOf(func() {})
		}
	}
	for _, t := range gostd.Types() {
		pkg, name, _ := strings.Cut(t, ".")
		out[pkg][name] = reflect.ValueOf((*struct{})(nil))
	}
	return out
})

// stdNamesRE matches the interpreter's names of gopar's standard library's
// generic functions and types, and packages (Sort__slices,
// __gopar_sync.OnceValue__sync).
var stdNamesRE = sync.OnceValue(func() *regexp.Regexp {
	var suffixes []string
	for _, p := range gostd.Packages() {
		suffixes = append(suffixes, regexp.QuoteMeta(p.Suffix()))
	}
	return regexp.MustCompile(`\b__gopar_(\w+\.)|(\w)(?:` + strings.Join(suffixes, "|") + `)\b`)
})

// userNames writes the names of gopar's standard library in s as cells
// write them: sync.OnceValue, not __gopar_sync.OnceValue__sync.
func userNames(s string) string {
	return stdNamesRE().ReplaceAllString(s, "$1$2")
}
