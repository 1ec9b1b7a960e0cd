package interp

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gopar/gopar/interp/gostd"
)

// The standard library as cells see it: yaegi's symbol tables (Go 1.22's),
// completed by gopar's, and gopar's Go-source versions of the generic
// packages cmp, iter, slices and maps (package gostd), compiled into the
// interpreter where they replace yaegi's copies.

// goStdTables are the compiled packages gopar's Go-source packages use,
// and an (empty) table for iter, which yaegi lacks: an import of a
// package needs one.
func goStdTables() yaegi.Exports {
	t := yaegi.Exports{"iter/iter": {}}
	for k, v := range gostd.Symbols {
		t[k] = v
	}
	return t
}

// loadGoStd compiles gopar's Go-source packages into the interpreter. Each
// has a file name of its own ("gopar/slices.go"), which scopes its imports
// to it and tells its positions from the cells'.
func loadGoStd(it *yaegi.Interpreter) error {
	for _, p := range gostd.Packages() {
		if _, err := it.Eval("//line " + p.File + ":1:1\n" + p.Source); err != nil {
			return fmt.Errorf("interp: loading gopar's package %s: %w", p.Path, err)
		}
	}
	return nil
}

// stdFuncs are the exported functions of gopar's Go-source packages, by
// "path.Name".
var stdFuncs = sync.OnceValue(gostd.Funcs)

// stdSymbols are stand-ins for the symbols of gopar's Go-source packages,
// for completion and inspection (whose signatures come from Go's
// documentation): a func for each function, a nil pointer (yaegi's form
// of a type) for each type.
var stdSymbols = sync.OnceValue(func() map[string]map[string]reflect.Value {
	out := map[string]map[string]reflect.Value{}
	for _, p := range gostd.Packages() {
		out[p.Path] = map[string]reflect.Value{}
	}
	for name := range stdFuncs() {
		pkg, fn, _ := strings.Cut(name, ".")
		out[pkg][fn] = reflect.ValueOf(func() {})
	}
	for _, t := range gostd.Types() {
		pkg, name, _ := strings.Cut(t, ".")
		out[pkg][name] = reflect.ValueOf((*struct{})(nil))
	}
	return out
})
