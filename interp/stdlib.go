package interp

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	ysyscall "github.com/traefik/yaegi/stdlib/syscall"

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

// loadGoStd compiles gopar's Go-source packages into the interpreter, with
// their generic names renamed (slices.Sort is slices.Sort__slices there:
// see gostd.Renamed, and the rewriter's stdRename). Each has a file name
// of its own ("gopar/slices.go"), which scopes its imports to it and tells
// its positions from the cells'.
func loadGoStd(it *yaegi.Interpreter) error {
	for _, p := range gostd.Packages() {
		if _, err := it.Eval("//line " + p.File + ":1:1\n" + p.Interpreted()); err != nil {
			return fmt.Errorf("interp: loading gopar's package %s: %w", p.Path, err)
		}
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
