// Package interp is gopar's Go engine: it wraps the yaegi interpreter so
// that notebook cells behave like Go typed at a REPL. *Engine implements
// engine.Engine; New creates one.
//
// What a cell may do:
//
//   - mix imports, const/var/type/func declarations, methods, statements and
//     goroutines, and end with an expression whose value is the cell's result
//     (several values show as a tuple; a call without results shows nothing);
//   - use the standard library, parlib, display, plot, plotter, plotutil, vg,
//     vgimg, vgsvg, draw and mat without an import line; importing a package
//     twice is harmless;
//   - re-run: redefining a function or method changes what earlier code
//     calls (functions live in variables, methods forward to one), and a
//     variable redefined with := makes functions that use it see the new one;
//     redefining a type with another shape is refused with advice (%reset);
//   - rely on Go 1.22 loops: per-iteration loop variables (closures made in
//     a loop keep their iteration's variables, also when handed to compiled
//     code such as parlib.Spawn; `i := i` copies still work), range over an
//     integer, range over an iterator function defined in a cell;
//   - use min, max and clear, and generic functions at the top level of a
//     cell (x := Sum(xs); the engine declares x with the type the
//     interpreter infers inside a function);
//   - start goroutines: a panic in one is reported (in the cell if it still
//     runs, else in the next cell's stderr) instead of killing the kernel;
//   - print with fmt, println, os.Stdout/os.Stderr and log, from the cell,
//     its goroutines and compiled code (the engine swaps os.Stdout,
//     os.Stderr and the standard logger for pipes while it lives; file
//     descriptors 1 and 2 are left alone); read os.Stdin and fmt.Scan input
//     through the frontend;
//   - be interrupted (context cancelled): interpreted code, channel
//     operations, time.Sleep and parlib calls stop within a second; code of
//     an interrupted cell never resumes. An interrupt stops every goroutine
//     started by any cell (yaegi has one run id per interpreter); their
//     deferred calls run. A goroutine blocked in compiled code (I/O, a
//     mutex) ends when that call returns; if it is the interrupted cell's own
//     top level, the next cell waits for it (%reset abandons it).
//
// yaegi limits that remain, and how they show: generic type inference is
// weak (the CompileError suggests explicit type arguments); the standard
// library's generic slices and maps functions often need explicit type
// arguments (slices.Equal[[]int, int](a, b)), and slices.Sort, slices.Max,
// maps.Keys... are missing (the CompileError says to use sort); range over an
// integer of a type the engine cannot see, or over an iterator that is not
// a cell function, or whose loop body returns, gives an UnsupportedError with
// the rewrite to use; methods of cell-defined types are invisible to
// compiled code except through the interfaces yaegi wraps (fmt.Stringer,
// error, ...), so a result's display methods (HTML, Markdown, SVG, PNG, ...)
// are called by the engine; os.Exit and log.Fatal panic instead of exiting.
package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/magic"
	"github.com/gopar/gopar/interp/symbols"
	"github.com/gopar/gopar/parlib"
)

// Version is the engine's version, reported in kernel_info.
const Version = "0.1.0"

// Options configures an Engine. The zero value is ready to use.
type Options struct {
	// Symbols are extra packages exposed to cells, in yaegi's layout
	// ("import/path/name" → symbol → value), added after the standard
	// library and gopar's own packages.
	Symbols map[string]map[string]reflect.Value
	// Env is the interpreter's environment ("KEY=value"); nil means the
	// process environment, which cells then read and change directly.
	Env []string
	// Args is os.Args as cells see it; nil means the process's.
	Args []string
}

// Engine runs Go cells with yaegi. Create it with New. Execute is meant to
// be called from one goroutine at a time (the kernel's execution queue).
type Engine struct {
	opts Options
	cap  *capture

	mu        sync.Mutex // held while a cell runs
	executing bool       // Execute holds mu (RunSource then does not lock)

	st *state // everything tied to one interpreter; replaced by Reset

	// cell context, read by the stdin reader and Sleep.
	ctxMu      sync.Mutex
	cellCtx    context.Context
	allowStdin bool

	closed bool
}

// state is one interpreter and what the engine knows of its globals.
type state struct {
	it *yaegi.Interpreter

	imports  map[string]string  // package name in cells → import path
	packages map[string]string  // importable package name → import path
	globals  map[string]*global // top-level names defined by cells
	methods  map[string]*global // "T.M" → method
	types    map[string]string  // type name → normalised definition
	cells    []*cellRec
	lastCell *cellRec
	nextBase int // global line of the next cell's line 0 (lines 1..chunkPrefixLines are no cell's)
	counter  int // fresh-name counter for rewrites

	evalID  int
	zombies []int // eval ids whose goroutines were abandoned on interrupt

	mu         sync.Mutex // guards the fields below (touched by goroutines)
	panicLines []panicLine
	result     []any
	hasResult  bool
	mimes      []mime // from the result's display methods
	goPanics   []goPanic
	intr       chan struct{} // closed on interrupt; wakes Sleep
	started    chan struct{} // closed when the current chunk starts running
	curCell    *cellRec
	defs       []funcDef // where functions and methods are defined, for traces
}

// mime is one MIME representation a result's method gave.
type mime struct {
	kind string // MIME type, or "bundle"
	data any
}

// funcDef is the lines of a cell holding a function or method.
type funcDef struct {
	cell         *cellRec
	line0, line1 int
	name         string
}

// global is a top-level name defined by a cell.
type global struct {
	name    string
	kind    string // "func", "var", "const", "type", "method"
	sig     string // declaration header, as shown by completion/inspection
	doc     string
	typ     reflect.Type
	viaVar  bool            // func stored in a variable (late binding)
	generic bool            // generic function
	refs    map[string]bool // identifiers its body uses
	assign  *chunk          // re-evaluated when something it uses is redeclared
	cell    *cellRec
}

// cellRec is one executed cell.
type cellRec struct {
	src   string
	count int // execution count, In [count]
	base  int // global line of its line 0: yaegi reports cell line l as base+l
	lines int
}

// newCell records a source evaluated as (part of) cell count.
func (st *state) newCell(src string, count int) *cellRec {
	st.mu.Lock()
	defer st.mu.Unlock()
	cr := &cellRec{src: src, count: count, base: st.nextBase, lines: strings.Count(src, "\n") + 1}
	st.nextBase += cr.lines + 1
	st.cells = append(st.cells, cr)
	return cr
}

// cellAt finds the cell holding global line l (st.mu held).
func (st *state) cellAt(l int) *cellRec {
	i := sort.Search(len(st.cells), func(i int) bool { return st.cells[i].base+st.cells[i].lines >= l })
	if i < len(st.cells) && l > st.cells[i].base {
		return st.cells[i]
	}
	return nil
}

type panicLine struct {
	file      string
	line, col int
	what      string
}

type goPanic struct {
	value any
	trace []string
	cell  *cellRec
}

// New creates an engine with the standard library, gopar's packages and
// gonum/plot preloaded. It starts capturing the process's stdout and stderr
// (os.Stdout, os.Stderr and the standard logger; not file descriptors 1 and
// 2), until Close.
func New(opts Options) (*Engine, error) {
	c, err := acquireCapture()
	if err != nil {
		return nil, fmt.Errorf("interp: capturing output: %w", err)
	}
	e := &Engine{opts: opts, cap: c, cellCtx: context.Background()}
	if e.st, err = e.newState(); err != nil {
		c.release()
		return nil, err
	}
	return e, nil
}

// errInterrupted is what Sleep and the stdin reader panic with when the
// cell is interrupted.
var errInterrupted = errors.New("interrupted")

// exitError is what os.Exit panics with inside cells.
type exitError struct{ code int }

func (x exitError) Error() string {
	return fmt.Sprintf("os.Exit(%d) called: the kernel keeps running", x.code)
}

const rtPath = "github.com/gopar/gopar/interp/rt"

// prelude defines, in the interpreter, what cells get in place of the
// min and max builtins that yaegi lacks.
const prelude = `package main

type __gopar_ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func __gopar_min[T __gopar_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y < x || y != y {
			x = y
		}
	}
	return x
}

func __gopar_max[T __gopar_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y > x || y != y {
			x = y
		}
	}
	return x
}
`

// clearValue is the clear builtin: it deletes a map's entries or zeroes a
// slice's elements.
func clearValue(v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		rv.Clear()
	case reflect.Slice:
		rv.Clear()
	}
}

func (e *Engine) newState() (*state, error) {
	st := &state{imports: map[string]string{}, globals: map[string]*global{}, methods: map[string]*global{},
		types: map[string]string{}, intr: make(chan struct{}), nextBase: chunkPrefixLines}
	it := yaegi.New(yaegi.Options{
		Stdin:        &stdinReader{e: e},
		Stdout:       e.cap.outW,
		Stderr:       panicFilter{w: e.cap.errW, onLine: st.addPanicLine},
		Env:          e.opts.Env,
		Args:         e.opts.Args,
		Unrestricted: e.opts.Env == nil,
	})
	st.it = it
	tables := []yaegi.Exports{stdlib.Symbols, {"os/exec/exec": unrestricted.Symbols["os/exec/exec"]},
		symbols.Symbols, e.opts.Symbols, e.runtimeSymbols(st)}
	for _, t := range tables {
		if err := it.Use(t); err != nil {
			return nil, fmt.Errorf("interp: loading symbols: %w", err)
		}
	}
	st.packages = packageNames(it, tables)
	for _, src := range []string{`import __gopar "` + rtPath + `"`, prelude} {
		if _, err := it.Eval(src); err != nil {
			return nil, fmt.Errorf("interp: loading runtime: %w", err)
		}
	}
	return st, nil
}

// runtimeSymbols are the engine's hooks, visible to rewritten cells as
// package __gopar, and the overrides of os.Exit and time.Sleep.
func (e *Engine) runtimeSymbols(st *state) yaegi.Exports {
	return yaegi.Exports{
		rtPath + "/rt": {
			"Result": reflect.ValueOf(func(v ...any) {
				st.mu.Lock()
				st.result, st.hasResult = v, true
				st.mu.Unlock()
			}),
			"Clear": reflect.ValueOf(clearValue),
			"Mime": reflect.ValueOf(func(kind string, data any) {
				st.mu.Lock()
				st.mimes = append(st.mimes, mime{kind, data})
				st.mu.Unlock()
			}),
			"Started": reflect.ValueOf(func() {
				st.mu.Lock()
				if st.started != nil {
					close(st.started)
					st.started = nil
				}
				st.mu.Unlock()
			}),
			"Guard": reflect.ValueOf(func(f func()) {
				defer func() {
					if r := recover(); r != nil {
						st.goPanic(r)
					}
				}()
				labelGoroutine()
				f()
			}),
			"Stdin":   reflect.ValueOf(io.Reader(&stdinReader{e: e})),
			"Print":   reflect.ValueOf(func(v ...any) { fmt.Fprint(e.cap.errW, v...) }),
			"Println": reflect.ValueOf(func(v ...any) { fmt.Fprintln(e.cap.errW, v...) }),
		},
		"os/os": {
			"Exit": reflect.ValueOf(func(code int) { panic(exitError{code}) }),
		},
		"time/time": {
			"Sleep": reflect.ValueOf(func(d time.Duration) { st.sleep(d) }),
		},
	}
}

// sleep is time.Sleep for cells: an interrupt wakes it early; the
// interpreted code that called it then stops at its next step (yaegi checks
// a run id that the interrupt changed), so it never resumes later.
func (st *state) sleep(d time.Duration) {
	if d <= 0 {
		runtime.Gosched()
		return
	}
	st.mu.Lock()
	intr := st.intr
	st.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-intr:
	}
}

// interrupt wakes every Sleep of this interpreter.
func (st *state) interrupt() {
	st.mu.Lock()
	close(st.intr)
	st.intr = make(chan struct{})
	st.mu.Unlock()
}

func (st *state) addPanicLine(file string, line, col int, what string) {
	st.mu.Lock()
	st.panicLines = append(st.panicLines, panicLine{file, line, col, what})
	st.mu.Unlock()
}

func (st *state) takePanicLines() []panicLine {
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.panicLines
	st.panicLines = nil
	return l
}

// goPanic records a panic recovered in a goroutine started by a cell.
func (st *state) goPanic(r any) {
	if r == errInterrupted {
		return // the goroutine was stopped by an interrupt
	}
	if err, ok := r.(error); ok && errors.Is(err, parlib.ErrCanceled) {
		return
	}
	lines := st.takePanicLines()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.goPanics = append(st.goPanics, goPanic{value: r, trace: st.traceLocked(lines), cell: st.curCell})
}

func (st *state) takeGoPanics() []goPanic {
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.goPanics
	st.goPanics = nil
	return g
}

// Info describes the engine; see the package-level Info.
func (e *Engine) Info() engine.Info { return Info() }

// Info describes gopar's Go engine for kernel_info_reply. It needs no
// engine, so a kernel can answer kernel_info while the engine still loads.
func Info() engine.Info {
	return engine.Info{
		Implementation:        "gopar",
		ImplementationVersion: Version,
		LanguageInfo: map[string]any{
			"name":            "go",
			"version":         strings.TrimPrefix(runtime.Version(), "go"),
			"mimetype":        "text/x-go",
			"file_extension":  ".go",
			"pygments_lexer":  "go",
			"codemirror_mode": "go",
		},
		Banner: "gopar " + Version + ": Go (" + runtime.Version() + ", interpreted by yaegi) for parallel-computing notebooks.\n" +
			"Packages parlib, display, plot and the standard library need no import. %help for more.",
		HelpLinks: []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "yaegi", "url": "https://github.com/traefik/yaegi"},
		},
	}
}

// askExit tells whether a cell is a bare exit or quit (with or without
// parentheses) that names nothing the user defined: consoles then end the
// session, as they do with IPython.
func askExit(st *state, code string) bool {
	name := strings.TrimSuffix(strings.TrimSpace(code), "()")
	return (name == "exit" || name == "quit") && st.globals[name] == nil
}

// Execute runs one cell. See engine.Engine.
func (e *Engine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.executing = true
	defer func() { e.executing = false }()
	if e.closed {
		return engine.ExecuteResult{Err: engine.NewError(engine.EngineClosed, "the engine is closed")}
	}
	e.begin(ctx, out, req.AllowStdin)
	synced := false
	defer func() {
		if !synced { // a panic on the way: flush what the cell wrote
			e.cap.sync()
		}
		e.end()
	}()

	st := e.st
	for _, g := range st.takeGoPanics() {
		out.Stream("stderr", goPanicText(g))
	}
	res := e.runCell(ctx, st, req.Code, req.ExecutionCount, req.Silent)
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = e.userExpressions(ctx, st, req.UserExpressions)
	}
	e.cap.sync()
	synced = true
	if gps := st.takeGoPanics(); len(gps) > 0 {
		if res.Err == nil {
			g := gps[0]
			res.Err = engine.NewError(engine.Panic, "in goroutine: "+fmt.Sprint(g.value),
				append([]string{"panic in a goroutine started by this cell: " + fmt.Sprint(g.value)}, g.trace...)...)
			gps = gps[1:]
		}
		for _, g := range gps {
			out.Stream("stderr", goPanicText(g))
		}
	}
	return res
}

// runCell runs a cell with magics: the Go code between magic lines runs in
// order with the magics (line numbers kept), a %%cell magic runs the whole
// body.
func (e *Engine) runCell(ctx context.Context, st *state, code string, count int, silent bool) engine.ExecuteResult {
	if askExit(st, code) {
		return engine.ExecuteResult{Payloads: []map[string]any{{"source": "ask_exit", "keepkernel": false}}}
	}
	mc, err := magic.Parse(code)
	if err != nil {
		msg := err.Error()
		return engine.ExecuteResult{Err: engine.NewError(engine.UsageError, msg)}
	}
	if mc.CellMagic != nil {
		return magic.ExecCell(ctx, *mc.CellMagic, mc.Source, e)
	}
	if len(mc.Magics) == 0 {
		return e.run(ctx, st, code, count, silent)
	}
	lines := strings.Split(mc.Source, "\n")
	var res engine.ExecuteResult
	var payloads []map[string]any
	from := 0 // first line (0-based) of the next Go segment
	segment := func(to int) bool {
		seg := make([]string, len(lines))
		copy(seg[from:to], lines[from:to])
		src := strings.Join(seg, "\n")
		from = to
		if strings.TrimSpace(src) == "" {
			return true
		}
		res = e.run(ctx, st, src, count, silent)
		payloads = append(payloads, res.Payloads...)
		return res.Err == nil
	}
	for _, m := range mc.Magics {
		if !segment(m.Line - 1) {
			res.Payloads = payloads
			return res
		}
		from = m.Line
		res = magic.Exec(ctx, m, e)
		payloads = append(payloads, res.Payloads...)
		if res.Err != nil {
			res.Payloads = payloads
			return res
		}
		st = e.st // %reset replaces the state
	}
	segment(len(lines)) // with no Go code after the last magic, its result stays
	res.Payloads = payloads
	return res
}

func goPanicText(g goPanic) string {
	where := ""
	if g.cell != nil {
		where = fmt.Sprintf(" (started by In [%d])", g.cell.count)
	}
	s := fmt.Sprintf("panic in a goroutine%s: %v\n", where, g.value)
	for _, t := range g.trace {
		s += t + "\n"
	}
	return s
}

// begin points output, display, parlib and stdin at the cell.
func (e *Engine) begin(ctx context.Context, out engine.Output, allowStdin bool) {
	e.cap.setOutput(out)
	display.SetSink(out)
	parlib.SetContext(ctx)
	e.ctxMu.Lock()
	e.cellCtx, e.allowStdin = ctx, allowStdin
	e.ctxMu.Unlock()
}

// end ends a cell whose output has been flushed. Output that arrives later
// (from goroutines still running) goes to the same Output, which the kernel
// routes to whichever cell runs at the time.
func (e *Engine) end() {
	parlib.SetContext(context.Background())
	e.ctxMu.Lock()
	e.cellCtx, e.allowStdin = context.Background(), false
	e.ctxMu.Unlock()
}

// RunSource runs Go source as a cell body (no magics) with the output of
// the running cell; magics call it through their Host. It may be called
// from within Execute (by a magic) or on its own.
func (e *Engine) RunSource(ctx context.Context, src string) engine.ExecuteResult {
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

// Output is the Output of the running (or last) cell, for magics.
func (e *Engine) Output() engine.Output { return e.cap.output() }

// Reset replaces the interpreter by a fresh one, as %reset does: every name
// defined by cells is forgotten and goroutines started by cells are stopped
// at their next interpreted step.
func (e *Engine) Reset() error {
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

// stopInterpreter makes every goroutine of an interpreter stop at its next
// step (yaegi checks a run id that an interrupted Eval bumps).
func stopInterpreter(st *state) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st.interrupt()
	func() {
		defer func() { _ = recover() }()
		_, _ = st.it.EvalWithContext(ctx, "select {}")
	}()
}

// Close stops the interpreter's goroutines and, with the last engine of the
// process, restores os.Stdout, os.Stderr and the standard logger.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	stopInterpreter(e.st)
	e.cap.setOutput(nil)
	display.SetSink(nil)
	e.cap.release()
	return nil
}

// stdinReader is the interpreter's stdin (fmt.Scan*): it asks the frontend
// for a line through the running cell's Output.
type stdinReader struct {
	e   *Engine
	buf []byte
}

func (r *stdinReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		r.e.ctxMu.Lock()
		ctx, allow := r.e.cellCtx, r.e.allowStdin
		r.e.ctxMu.Unlock()
		out := r.e.cap.output()
		if !allow || out == nil {
			return 0, io.EOF
		}
		line, err := out.Input(ctx, "", false)
		if err != nil {
			if ctx.Err() != nil {
				panic(errInterrupted)
			}
			return 0, io.EOF
		}
		r.buf = []byte(line + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

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
