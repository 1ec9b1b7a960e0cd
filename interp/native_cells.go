package interp

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/magic"
	"github.com/gopar/gopar/interp/native"
)

// Native code: %%native cells and imports of packages gopar does not
// preload are compiled by the Go toolchain into plugins (package native)
// and loaded into the process. The interpreter then sees a cell's
// functions as interpreted functions that call the compiled ones (so that
// redefinition works as for interpreted functions), its types as aliases,
// its constants as written and its variables through a dot import, where
// they live; an imported package as any preloaded one.

// nativeCompiler is the process's compiler of plugins, made on first use
// (it runs the go command, which kernel start must not wait for). Plugins
// cannot be unloaded: one compiler serves every engine of the process.
var nativeCompiler = sync.OnceValues(func() (*native.Compiler, error) {
	return native.New(context.Background(), native.Options{})
})

// NativeSummary says in one line whether this program can compile
// %%native cells and imports natively, and why not, for `gopar version`.
// It runs the go command.
func NativeSummary() string {
	tc, err := native.Available()
	if err != nil {
		return "native cells: unavailable (they run interpreted): " + err.Error()
	}
	return fmt.Sprintf("native cells: available (%s, %s)", tc.Version, tc.Go)
}

// nativeToldUnavailable is set once cells were told that native code is
// unavailable (they are told once per process).
var nativeToldUnavailable atomic.Bool

// nativeNames holds, per interpreter state, the names native cells
// declared, which later native cells may use. It is keyed by a weak pointer
// so that a state %reset dropped takes its names along.
var nativeNames sync.Map // weak.Pointer[state] → *native.Names

func namesOf(st *state) *native.Names {
	k := weak.Make(st)
	if v, ok := nativeNames.Load(k); ok {
		return v.(*native.Names)
	}
	v, loaded := nativeNames.LoadOrStore(k, &native.Names{})
	if !loaded {
		runtime.AddCleanup(st, func(k weak.Pointer[state]) { nativeNames.Delete(k) }, k)
	}
	return v.(*native.Names)
}

// cellHost is the host of a cell magic: the engine, and the execution
// count of the cell, which %%native's errors name.
type cellHost struct {
	host
	count int
}

var _ magic.NativeHost = cellHost{}

// RunNative implements magic.NativeHost.
func (h cellHost) RunNative(ctx context.Context, m magic.Magic, body string) engine.ExecuteResult {
	return h.e.nativeCellLocked(ctx, h.e.st, m, body, h.count)
}

// RunNative implements magic.NativeHost for a host that does not know
// the cell's count (the last cell's is used).
func (h host) RunNative(ctx context.Context, m magic.Magic, body string) engine.ExecuteResult {
	count := 0
	if lc := h.e.st.lastCell; lc != nil {
		count = lc.count
	}
	return h.e.nativeCellLocked(ctx, h.e.st, m, body, count)
}

// GoCommand implements magic.NativeHost: %go get.
func (h host) GoCommand(ctx context.Context, args string) engine.ExecuteResult {
	c, err := nativeCompiler()
	if err != nil {
		return engine.ExecuteResult{Err: engine.NewError(engine.UsageError, "%go is unavailable: native code cannot be compiled here: "+err.Error())}
	}
	out := h.e.cap.output()
	said, err := c.Get(ctx, strings.Fields(args)[1:])
	if said != "" && out != nil {
		out.Stream("stderr", said)
	}
	if err != nil {
		if ctx.Err() != nil {
			return engine.ExecuteResult{Err: interruptError()}
		}
		return engine.ExecuteResult{Err: engine.NewError(engine.ImportError, err.Error())}
	}
	return engine.ExecuteResult{}
}

// nativeSource is the %%native cell as typed, from its body (the magic's
// line blanked): what a restarted engine runs again.
func nativeSource(m magic.Magic, body string) string {
	lines := strings.Split(body, "\n")
	if m.Line >= 1 && m.Line <= len(lines) {
		lines[m.Line-1] = strings.TrimSpace("%%" + m.Name + " " + m.Args)
	}
	return strings.Join(lines, "\n")
}

// nativeCellLocked compiles and loads a %%native cell, and declares its
// names in the interpreter (e.mu held). Where native code is unavailable,
// the cell runs interpreted, and the first such cell says why.
func (e *Engine) nativeCellLocked(ctx context.Context, st *state, m magic.Magic, body string, count int) engine.ExecuteResult {
	restore := nativeSource(m, body)
	out := e.cap.output()
	c, err := nativeCompiler()
	if err != nil {
		if !nativeToldUnavailable.Swap(true) && out != nil {
			out.Stream("stderr", "note: %%native cells run interpreted here: "+err.Error()+"\n")
		}
		res := e.run(ctx, st, body, count, false)
		e.cap.sync()
		if res.Err == nil {
			res.Restore = restore
		}
		return res
	}
	names := namesOf(st)
	pkg, err := c.Cell(ctx, body, native.Scope{
		Packages: st.usablePackages(),
		Natives:  names,
		Progress: func(msg string) {
			if out != nil {
				out.Stream("stderr", msg+"\n")
			}
		},
	})
	if err != nil {
		return engine.ExecuteResult{Err: e.nativeError(ctx, &cellRec{src: body, count: count}, err)}
	}
	if err := st.it.Use(pkg.Exports()); err != nil {
		return engine.ExecuteResult{Err: engine.NewError(engine.InterpreterError, err.Error())}
	}
	if shim := pkg.Shim("__gopar_"); shim != "" {
		res := e.run(ctx, st, shim, count, true)
		if res.Err != nil {
			res.Err.Value = "declaring the native cell's names in the interpreter: " + res.Err.Value
			res.Err.Traceback = append([]string{"the native cell compiled, but its names could not be declared in the interpreter:"}, res.Err.Traceback...)
			return res
		}
	}
	var vars []string
	for _, vp := range pkg.VarsPaths() {
		if _, err := st.it.Eval(fmt.Sprintf("import . %q", vp)); err != nil {
			return engine.ExecuteResult{Err: engine.NewError(engine.InterpreterError, "declaring the native cell's variables: "+err.Error())}
		}
	}
	for _, d := range pkg.Decls {
		if d.Kind == native.Var {
			vars = append(vars, d.Name)
		}
	}
	names.Add(pkg)
	var generic []string
	for _, d := range pkg.Decls {
		if d.Generic {
			generic = append(generic, d.Name)
		}
	}
	if len(generic) > 0 && out != nil {
		out.Stream("stderr", fmt.Sprintf("note: %s generic: usable only within this native cell (interpreted cells and other native cells cannot call generic compiled code)\n",
			strings.Join(generic, ", ")+map[bool]string{true: " is", false: " are"}[len(generic) == 1]))
	}
	e.cap.sync()
	return engine.ExecuteResult{Restore: restore, Variables: vars}
}

// nativeError words a failed native build in the cell's terms.
func (e *Engine) nativeError(ctx context.Context, cr *cellRec, err error) *engine.Error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return interruptError()
	}
	var ce *native.CompileError
	if !errors.As(err, &ce) {
		return engine.NewError(engine.CompileError, err.Error())
	}
	if len(ce.Errors) == 0 {
		return engine.NewError(engine.CompileError, ce.Error(), strings.Split(ce.Error(), "\n")...)
	}
	const most = 10
	first := ce.Errors[0]
	ee := e.compileError(cr, first.Line, first.Col, engine.CompileError, first.Msg)
	for i, p := range ce.Errors[1:] {
		if i+1 == most {
			ee.Traceback = append(ee.Traceback, fmt.Sprintf("(and %d more errors)", len(ce.Errors)-most))
			break
		}
		more := e.compileError(cr, p.Line, p.Col, engine.CompileError, p.Msg)
		ee.Traceback = append(ee.Traceback, more.Traceback...)
	}
	return ee
}

// canImport tells whether the interpreter has package p, compiled or
// interpreted (yaegi's generic standard packages): a blank import of it
// compiles, and does nothing.
func canImport(st *state, p string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := st.it.Eval(fmt.Sprintf("import _ %q", p))
	return err == nil
}

// importNative makes importable a package the interpreter lacks: it is
// compiled into a plugin (fetching its module if needed) and its API added
// to the interpreter. Preloaded packages are left alone.
func (x *execution) importNative(p string, off int) error {
	if p == rtPath || p == "C" || strings.HasPrefix(p, ".") || canImport(x.st, p) {
		return nil
	}
	c, err := nativeCompiler()
	if err != nil {
		return x.errAt(off, engine.ImportError, fmt.Sprintf("cannot import %q: gopar does not preload it, and packages cannot be compiled here: %v", p, err))
	}
	out := x.e.cap.output()
	pkg, err := c.Import(x.ctx, p, func(msg string) {
		if out != nil {
			out.Stream("stderr", msg+"\n")
		}
	})
	if err != nil {
		if x.ctx.Err() != nil {
			return cellError{interruptError()}
		}
		return x.errAt(off, engine.ImportError, err.Error())
	}
	if err := x.st.it.Use(pkg.Exports()); err != nil {
		return x.errAt(off, engine.ImportError, fmt.Sprintf("cannot import %q: %v", p, err))
	}
	if _, ok := x.st.packages[pkg.Name]; !ok {
		x.st.packages[pkg.Name] = p
	}
	return nil
}
