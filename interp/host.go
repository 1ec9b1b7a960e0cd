package interp

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/complete"
	"github.com/gopar/gopar/interp/magic"
)

// host is the engine as magics (magic.Host) and completion and inspection
// (complete.Scope) see it, so that *Engine itself exports only what
// engine.Engine asks for.
type host struct{ e *Engine }

var (
	_ magic.Host     = host{}
	_ complete.Scope = host{}
)

// RunSource implements magic.Host.
func (h host) RunSource(ctx context.Context, src string) engine.ExecuteResult {
	return h.e.runSource(ctx, src)
}

// Vars implements magic.Host.
func (h host) Vars() []magic.Var { return h.e.vars() }

// Reset implements magic.Host.
func (h host) Reset() error { return h.e.reset() }

// Output implements magic.Host: the Output of the running (or last) cell.
func (h host) Output() engine.Output { return h.e.cap.output() }

// Scope implements magic.Host.
func (h host) Scope() complete.Scope { return h }

// Packages implements complete.Scope.
func (h host) Packages() map[string]string { return h.e.packages() }

// Symbols implements complete.Scope.
func (h host) Symbols(path string) map[string]reflect.Value { return h.e.symbols(path) }

// Globals implements complete.Scope.
func (h host) Globals() map[string]complete.Global { return h.e.globals() }

// packages maps the package names cells can use (imported or importable
// without an import line) to import paths.
func (e *Engine) packages() map[string]string {
	st := e.st
	out := make(map[string]string, len(st.packages)+len(st.imports))
	for n, p := range st.packages {
		out[n] = p
	}
	for n, p := range st.imports {
		out[n] = p
	}
	return out
}

// symbols returns the exported symbols of a preloaded package, as yaegi
// holds them (a type is a nil pointer to it).
func (e *Engine) symbols(path string) map[string]reflect.Value {
	ex := e.st.it.Symbols(path)
	for k, v := range ex {
		if strings.HasPrefix(k, path+"/") || k == path {
			return v
		}
	}
	return nil
}

// globals returns the top-level names cells have defined, with the current
// type and value of variables and constants. It is meant to be called
// between cells (or by a magic); while a cell runs, or while an interrupted
// cell is still blocked, types are those seen when the names were defined.
func (e *Engine) globals() map[string]complete.Global {
	st := e.st
	live := e.canEval(st)
	if live && !e.executing {
		defer e.mu.Unlock()
	}
	out := map[string]complete.Global{}
	for n, g := range st.globals {
		cg := complete.Global{Kind: g.kind, Type: g.typ, Signature: g.sig, Doc: g.doc}
		if live && (g.kind == "var" || g.kind == "const") {
			if v, ok := evalName(st, n); ok {
				cg.Type, cg.Value = v.Type(), short(fmt.Sprintf("%v", v.Interface()))
			}
		}
		if g.kind == "type" {
			if v, ok := evalName(st, "(*"+n+")(nil)"); ok {
				cg.Type = v.Type().Elem()
			}
		}
		out[n] = cg
	}
	return out
}

// canEval reports whether names may be evaluated now, and then holds e.mu
// (unless Execute holds it, for a magic).
func (e *Engine) canEval(st *state) bool {
	if !e.executing && !e.mu.TryLock() {
		return false
	}
	if len(st.zombies) > 0 && !st.pruneZombies() {
		if !e.executing {
			e.mu.Unlock()
		}
		return false
	}
	return true
}

// evalName evaluates a global's name (no side effects).
func evalName(st *state, name string) (v reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := st.it.Eval(name)
	if err != nil || !v.IsValid() || !v.CanInterface() {
		return reflect.Value{}, false
	}
	return v, true
}

// vars lists user variables with their types and (shortened) values, sorted
// by name.
func (e *Engine) vars() []magic.Var {
	var out []magic.Var
	for n, g := range e.globals() {
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

// runSource runs Go source as a cell body (no magics) with the output of
// the running cell; magics call it through their Host. It may be called
// from within Execute (by a magic) or on its own.
func (e *Engine) runSource(ctx context.Context, src string) engine.ExecuteResult {
	if !e.executing {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	st := e.st
	count := 0
	if st.lastCell != nil {
		count = st.lastCell.count
	}
	res := e.run(ctx, st, src, count, false)
	e.cap.sync()
	return res
}

// reset replaces the interpreter by a fresh one, as %reset does: every name
// defined by cells is forgotten and goroutines started by cells are stopped
// at their next interpreted step.
func (e *Engine) reset() error {
	if !e.executing {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	old := e.st
	st, err := e.newState()
	if err != nil {
		return err
	}
	e.st = st
	stopInterpreter(old)
	return nil
}
