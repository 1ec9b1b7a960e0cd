package interp

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/complete"
	"github.com/gopar/gopar/interp/magic"
	"github.com/gopar/gopar/parlib"
)

// host is the engine as magics see it (magic.Host, and complete.Scope for
// their help lines). Magics run within Execute, so every method of host
// runs with e.mu held.
type host struct{ e *Engine }

// scope is the engine as Complete and Inspect see it (complete.Scope).
// They run between cells, without e.mu.
type scope struct{ e *Engine }

var (
	_ magic.Host     = host{}
	_ complete.Scope = host{}
	_ complete.Scope = scope{}
)

// RunSource implements magic.Host.
func (h host) RunSource(ctx context.Context, src string) engine.ExecuteResult {
	return h.e.runSourceLocked(ctx, src)
}

// Vars implements magic.Host.
func (h host) Vars() []magic.Var { return vars(h.Globals()) }

// Reset implements magic.Host.
func (h host) Reset() error { return h.e.resetLocked() }

// Output implements magic.Host: the Output of the running (or last) cell.
func (h host) Output() engine.Output { return h.e.cap.output() }

// Scope implements magic.Host.
func (h host) Scope() complete.Scope { return h }

// Packages implements complete.Scope.
func (h host) Packages() map[string]string { return h.e.st.usablePackages() }

// Symbols implements complete.Scope.
func (h host) Symbols(path string) map[string]reflect.Value { return h.e.st.scopeSymbols(path) }

// Globals implements complete.Scope.
func (h host) Globals() map[string]complete.Global { return h.e.globalsLocked() }

// Packages implements complete.Scope.
func (s scope) Packages() map[string]string { return s.e.st.usablePackages() }

// Symbols implements complete.Scope.
func (s scope) Symbols(path string) map[string]reflect.Value { return s.e.st.scopeSymbols(path) }

// Globals implements complete.Scope. The current values of variables are
// evaluated only if no cell runs (e.mu is free); otherwise types are those
// seen when the names were defined.
func (s scope) Globals() map[string]complete.Global {
	if !s.e.mu.TryLock() {
		return globals(s.e.st, false)
	}
	defer s.e.mu.Unlock()
	return s.e.globalsLocked()
}

// runSourceLocked runs Go source as a cell body (no magics) with the
// output of the running cell, for a magic (e.mu held).
func (e *Engine) runSourceLocked(ctx context.Context, src string) engine.ExecuteResult {
	st := e.st
	count := 0
	if st.lastCell != nil {
		count = st.lastCell.count
	}
	res := e.run(ctx, st, src, count, false)
	// %timeit runs the same source again and again: keep one of each.
	if n := len(e.sourceRuns); n == 0 || e.sourceRuns[n-1].Restore != res.Restore ||
		!slices.Equal(e.sourceRuns[n-1].Variables, res.Variables) {
		e.sourceRuns = append(e.sourceRuns, res)
	}
	e.cap.sync()
	return res
}

// resetLocked replaces the interpreter by a fresh one, as %reset does
// (e.mu held): every name defined by cells is forgotten and goroutines
// started by cells are stopped at their next interpreted step.
func (e *Engine) resetLocked() error {
	old := e.st
	st, err := e.newState()
	if err != nil {
		return err
	}
	e.st = st
	stopInterpreter(old)
	parlib.SetContext(st.parlibContext())
	return nil
}

// usablePackages maps the package names cells can use (imported or
// importable without an import line) to import paths.
func (st *state) usablePackages() map[string]string {
	out := make(map[string]string, len(st.packages)+len(st.imports))
	for n, p := range st.packages {
		out[n] = p
	}
	for n, p := range st.imports {
		out[n] = p
	}
	return out
}

// scopeSymbols are the symbols of a package as completion and inspection
// show them: with the generic functions gopar gives in Go source
// (sync.OnceValue), as stand-ins.
func (st *state) scopeSymbols(path string) map[string]reflect.Value {
	syms := st.symbols(path)
	var extra []string
	for name := range complements() {
		if i := strings.LastIndex(name, "."); name[:i] == path {
			extra = append(extra, name[i+1:])
		}
	}
	if len(extra) == 0 {
		return syms
	}
	out := make(map[string]reflect.Value, len(syms)+len(extra))
	for k, v := range syms {
		out[k] = v
	}
	for _, fn := range extra {
		out[fn] = reflect.ValueOf(func() {})
	}
	return out
}

// symbols returns the exported symbols of a preloaded package, as yaegi
// holds them (a type is a nil pointer to it). For gopar's Go-source
// packages (slices, maps, cmp, iter), whose functions are generic and have
// no value, they are stand-ins that only tell what each name is (see
// stdSymbols).
func (st *state) symbols(path string) map[string]reflect.Value {
	if syms, ok := stdSymbols()[path]; ok {
		return syms
	}
	ex := st.it.Symbols(path)
	for k, v := range ex {
		if strings.HasPrefix(k, path+"/") || k == path {
			return v
		}
	}
	return nil
}

// globalsLocked returns the top-level names cells have defined (e.mu
// held), with the current type and value of variables and constants.
func (e *Engine) globalsLocked() map[string]complete.Global {
	return globals(e.st, true)
}

// globals returns the top-level names cells have defined; live, it
// evaluates the current type and value of variables and constants.
func globals(st *state, live bool) map[string]complete.Global {
	out := map[string]complete.Global{}
	for n, g := range st.globals {
		cg := complete.Global{Kind: g.kind, Type: g.typ, Signature: g.sig, Doc: g.doc}
		if live && (g.kind == "var" || g.kind == "const") {
			if v, ok := evalName(st, n); ok {
				cg.Type, cg.Value = v.Type(), short(fmt.Sprintf("%v", v.Interface()))
			}
		}
		if live && g.kind == "type" {
			if v, ok := evalName(st, "(*"+n+")(nil)"); ok {
				cg.Type = v.Type().Elem()
			}
		}
		out[n] = cg
	}
	return out
}

// evalName evaluates a global's name (no side effects).
func evalName(st *state, name string) (v reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := st.evalQuiet(name)
	if err != nil || !v.IsValid() || !v.CanInterface() {
		return reflect.Value{}, false
	}
	return v, true
}

// vars lists the variables among globals with their types and (shortened)
// values, sorted by name.
func vars(globals map[string]complete.Global) []magic.Var {
	var out []magic.Var
	for n, g := range globals {
		if g.Kind != "var" {
			continue
		}
		v := magic.Var{Name: n, Value: g.Value}
		if g.Type != nil {
			v.Type = g.Type.String()
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func short(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
