// Package interp is gopar's Go engine: it wraps the yaegi interpreter so
// that notebook cells behave like Go typed at a REPL. *Engine implements
// engine.Engine and engine.IdleInterrupter; New creates one. The kernel
// runs it in a supervised child process (see The supervised engine,
// below).
//
// What a cell may do:
//
//   - mix imports, const/var/type/func declarations, methods, statements and
//     goroutines, and end with an expression whose value is the cell's result
//     (several values show as a tuple; a call without results, or whose only
//     result is a nil error, shows nothing);
//   - declare in any order, as in a Go file: a function may use a variable
//     declared below it, a variable's initialiser a function declared below
//     it; statements run in order, after the declarations they use (see
//     order.go);
//   - use without an import line the standard library of the Go gopar is
//     built with (yaegi's tables, Go 1.22's, completed by gopar's: see
//     stdlib.go; where names clash the common package wins, rand is
//     math/rand), gopar's parlib, display and dist (work on worker
//     processes: dist.AddProcs, dist.Pmap…), and gonum's plot, plotter,
//     plotutil, vg, vgimg, vgsvg, draw, font and mat (imports.go
//     autoImports); importing a package twice is harmless; an import hides
//     an earlier cell's variable of the package's name;
//   - import any other package, and run %%native cells: both are compiled
//     by the Go toolchain into plugins and loaded (native_cells.go, package
//     native); interpreted cells call a native cell's functions, and see
//     its redefinitions; without a toolchain, %%native cells run
//     interpreted;
//   - use the generic standard library: slices, maps, cmp and iter are
//     gopar's own Go source (package gostd), with signatures the
//     interpreter infers, sorting in compiled code; the engine writes the
//     type arguments the interpreter cannot infer (rewrite_types.go); and
//     sync.OnceValue(s), rand.N, errors.AsType and reflect.TypeFor work;
//   - re-run: redefining a function or method changes what earlier code
//     calls (functions that use it are compiled again; methods forward to a
//     variable); a variable redefined with := keeps its storage if its type
//     is the same, else functions that use it are compiled again to use the
//     new one; function values taken earlier keep the version they hold, as
//     in Go; redefining a type with another shape is refused with advice
//     (%reset);
//   - rely on Go 1.22 loops: per-iteration loop variables (closures made in
//     a loop keep their iteration's variables, also when handed to compiled
//     code such as parlib.Spawn), range over an integer, range over an
//     iterator function (a cell's, the standard library's, or a value of an
//     iterator type the engine can see; the body may break, continue and
//     return);
//   - use min, max and clear, and generic functions at the top level of a
//     cell (x := Sum(xs); the engine declares x with the type the
//     interpreter infers inside a function);
//   - start goroutines: a panic in one is reported (in the cell if it still
//     runs, else in the next cell's stderr) instead of killing the kernel;
//   - print with fmt, println, os.Stdout/os.Stderr and log, from the cell,
//     its goroutines and compiled code (the engine swaps os.Stdout,
//     os.Stderr and the standard logger for pipes while it lives; file
//     descriptors 1 and 2 are left alone; a cell that closes os.Stdout
//     closes a duplicate, which the next cell replaces); read os.Stdin and fmt.Scan input through
//     the frontend, what the cell printed on the line before being the
//     input's prompt (prompt.go). Goroutines may print after their cell
//     has ended: their output shows under the latest cell. What goroutines
//     of earlier cells print through fmt, print, println and log has a
//     budget of its own, 256 KB per cell (output.go bgLimit), past which it
//     is dropped after one notice naming the cell that started them, so
//     that the running cell keeps its share of the kernel's 2 MB per cell;
//   - start commands with exec.Command or exec.CommandContext: each runs in
//     a process group of its own (internal/pgroup), killed whole, with what
//     it started, when its cell is interrupted or times out; a command
//     still running when its cell ends normally lives on, until the
//     engine's process ends (engine/proc ends it then). Shell lines (!cmd) also run in a process group
//     of their own, which an interrupt stops (package magic);
//   - be interrupted (context cancelled, or InterruptIdle while no cell
//     runs): interpreted code, channel operations, time.Sleep and parlib
//     calls stop within a second; code of an interrupted cell never resumes,
//     and every earlier definition works as before (see eval.go). Goroutines
//     of earlier cells that run interpreted code or sleep stop too (their
//     deferred calls run). Code blocked in compiled code (I/O, a mutex)
//     cannot be stopped: the next cell runs anyway, with a note saying
//     where it is blocked; if that call returns, the rest of its statement
//     may run. A native loop stops if it calls parlib.CheckCanceled.
//
// # The supervised engine
//
// The kernel runs the engine in a child process (engine/proc), so that a
// fatal error no recover stops (concurrent map writes, a stack overflow,
// memory past %memlimit, a native loop that ignores an interrupt) costs the
// running cell, which fails with EngineCrashed, not the session. A new child
// then runs again, silently and in order, the Restore of every earlier
// cell (restore.go; of a cell that failed, what it defined before it
// failed, which stayed in the engine): imports, types, constants, functions and
// methods as written, %%native cells from their cached plugins, magics that
// change state (%cd DIR, %env X=Y, %threads N, %memlimit SIZE, %reset), and
// each variable declared with its type and a zero value: the values are
// lost, and the error names the variables. Whatever lived only in the
// process is gone: goroutines, open files, commands, and dist's server and
// local workers with the variables sent to them (dist starts over;
// %%everywhere cells are restored as such, so their definitions reach the
// new workers). Options.Locate tells the supervisor where a cell runs, for
// the error.
//
// # Limits of yaegi that remain
//
// How they show: generic type inference is weak, and where the engine cannot
// see the arguments' types (a method's result) the CompileError suggests
// explicit type arguments; gopar's slices and maps functions take []E and
// map[K]V where Go's take S ~[]E and M ~map[K]V, so they return []E, not a
// named slice type; a few generic functions and types of compiled packages
// (atomic.Pointer, unique, weak, sql.Null, runtime.AddCleanup) are not
// available, and the error says what to use; range over an integer of a type
// the engine cannot see, or over an iterator whose type it cannot see, or
// whose body jumps to a label outside it or defers, gives an
// UnsupportedError with the rewrite to use; every call of an interpreted
// function costs about a microsecond (slices.SortFunc of 10^5 elements takes
// seconds; slices.Sort sorts in compiled code); methods of cell-defined
// types are invisible to compiled code except through the interfaces yaegi
// wraps (fmt.Stringer, error, ...), so a result's display methods (HTML,
// Markdown, SVG, PNG, ...) are called by the engine; a method's signature
// cannot change, nor can a type's shape; methods of generic types are not
// redefined; os.Exit and log.Fatal panic instead of exiting.
//
// # Reading the code
//
// engine.go is the public API (New, Execute, Close, InterruptIdle, and
// Complete/Inspect/IsComplete); host.go what magics and completion see of
// the engine; state.go the interpreter and what the engine knows of it;
// runtime.go package __gopar, which rewritten cells call, and the overrides
// of os.Exit, time.Sleep, fmt's print functions and os/exec's Command. A
// cell goes through execution.go (the pipeline; cell.go splits it into
// units, order.go orders them), imports.go, decls.go, funcs.go and define.go
// (top-level :=), each unit rewritten by rewrite.go and rewrite_loops.go and
// evaluated by eval.go (which also handles interrupts); restore.go says what
// a cell defined, for a restart, and what a failed cell failed to define;
// errors.go words failures, result.go renders the result, output.go captures
// stdout and stderr, prompt.go makes stdout's last line the prompt of an
// input; stdlib.go and the packages gostd and symbols/std make the standard
// library; native_cells.go loads native code; dist_host.go is the engine of
// a dist worker. yaegi_internals.go holds every access to yaegi's unexported
// fields. WORKAROUNDS.md maps each workaround of yaegi's limits to its
// reason and the test that pins it.
package interp

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/complete"
	"github.com/gopar/gopar/interp/magic"
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
	// Locate, if set, is called before each top-level statement (and
	// variable declaration) of a cell runs, with where it is: "In [3]
	// line 7" (or "line 7" for code that is no numbered cell). A
	// supervisor of the engine's process uses it to say where a cell was
	// when the process died (engine/proc's Child.Locate). It must be fast.
	Locate func(where string)
}

// Engine runs Go cells with yaegi. Create it with New. Execute is meant to
// be called from one goroutine at a time (the kernel's execution queue).
type Engine struct {
	opts Options
	cap  *capture

	// mu is held by Execute and Close for all their run, and by Complete
	// and Inspect only if it is free (see scope). Execute's path, magics
	// included, runs with it held: methods named …Locked require it.
	mu sync.Mutex

	st *state // everything tied to one interpreter; replaced by resetLocked

	// cell context, read by the stdin reader and Sleep.
	ctxMu      sync.Mutex
	cellCtx    context.Context
	allowStdin bool

	// sourceRuns are the results of the Go code a magic ran (RunSource),
	// for the cell's Restore.
	sourceRuns []engine.ExecuteResult

	closed bool
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

// Execute runs one cell. See engine.Engine. No panic of the engine's own
// code escapes it: one becomes an InternalError result (see internalError),
// and the engine stays usable.
func (e *Engine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) (res engine.ExecuteResult) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return engine.ExecuteResult{Err: engine.NewError(engine.EngineClosed, "the engine is closed")}
	}
	po := newPromptOutput(out, e.cap.sync) // stdout's last line may be an input prompt
	out = po
	e.begin(ctx, out, req.AllowStdin)
	synced := false
	defer func() {
		if !synced { // a panic on the way: flush what the cell wrote
			e.cap.sync()
		}
		po.end()
		e.end()
	}()
	defer func() {
		if r := recover(); r != nil {
			res = internalError(req.ExecutionCount, r, debug.Stack())
		}
	}()

	st := e.st
	e.resumeLocked(st, out)
	parlib.SetContext(st.parlibContext())
	for _, g := range st.takeGoPanics() {
		out.Stream("stderr", goPanicText(g))
	}
	res = e.runCellLocked(ctx, st, req.Code, req.ExecutionCount, req.Silent)
	st = e.st // %reset replaces the state
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = e.userExpressions(ctx, st, req.UserExpressions)
	}
	e.finishedNotesLocked(st, out)
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

// runCellLocked runs a cell with magics (e.mu held): the Go code between
// magic lines runs in order with the magics (line numbers kept), a %%cell
// magic runs the whole body. The result's Restore is line for line the
// Restore of each part: of the Go code, what it defined (see restore.go);
// a magic that changes the engine's state (%reset, %cd DIR…) as itself; a
// magic that runs Go code (%time, %%time…) what that code defined.
func (e *Engine) runCellLocked(ctx context.Context, st *state, code string, count int, silent bool) engine.ExecuteResult {
	if askExit(st, code) {
		return engine.ExecuteResult{Payloads: []map[string]any{{"source": "ask_exit", "keepkernel": false}}}
	}
	mc, err := magic.Parse(code)
	if err != nil {
		msg := err.Error()
		return engine.ExecuteResult{Err: engine.NewError(engine.UsageError, msg)}
	}
	lines := strings.Split(mc.Source, "\n")
	rs := newRestoreSet(len(lines))
	if mc.CellMagic != nil {
		e.sourceRuns = nil
		res := magic.ExecCell(ctx, *mc.CellMagic, mc.Source, cellHost{host{e}, count})
		if res.Restore != "" {
			// The magic says how to restore itself (%%native: the cell as
			// typed, which reloads its cached plugin).
			return res
		}
		for _, r := range e.sourceRuns {
			rs.add(0, r)
		}
		return rs.result(res)
	}
	if len(mc.Magics) == 0 {
		res := e.run(ctx, st, code, count, silent)
		rs.add(0, res)
		return rs.result(res)
	}
	codeLines := strings.Split(code, "\n")
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
		rs.add(0, res)
		payloads = append(payloads, res.Payloads...)
		return res.Err == nil
	}
	for _, m := range mc.Magics {
		if !segment(m.Line - 1) {
			res.Payloads = payloads
			return rs.result(res)
		}
		from = max(m.Line, m.EndLine)
		e.sourceRuns = nil
		res = magic.Exec(ctx, m, host{e})
		if m.Name == "reset" {
			rs.reset()
		}
		if restoresAsItself(m) {
			rs.set(m.Line-1, codeLines[m.Line-1])
		}
		for _, r := range e.sourceRuns {
			rs.addLine(m.Line-1, r)
		}
		payloads = append(payloads, res.Payloads...)
		if res.Err != nil {
			res.Payloads = payloads
			return rs.result(res)
		}
		st = e.st // %reset replaces the state
	}
	segment(len(lines)) // with no Go code after the last magic, its result stays
	res.Payloads = payloads
	return rs.result(res)
}

// restoresAsItself reports whether a magic changes the engine's state, so
// that a replay of the cell's Restore must run it again.
func restoresAsItself(m magic.Magic) bool {
	args := strings.TrimSpace(m.Args)
	switch m.Name {
	case "reset":
		return true
	case "memlimit", "cd", "threads":
		return args != ""
	case "env":
		return strings.ContainsAny(args, "= \t")
	}
	return false
}

// restoreSet gathers the Restore and Variables of the parts of a cell.
type restoreSet struct {
	lines [][]string
	vars  map[string]bool
}

func newRestoreSet(n int) *restoreSet {
	return &restoreSet{lines: make([][]string, n), vars: map[string]bool{}}
}

// add merges the result of Go code laid out as the cell, from line first.
func (rs *restoreSet) add(first int, r engine.ExecuteResult) {
	for _, v := range r.Variables {
		rs.vars[v] = true
	}
	if r.Restore == "" {
		return
	}
	for k, l := range strings.Split(r.Restore, "\n") {
		if strings.TrimSpace(l) != "" && first+k < len(rs.lines) {
			rs.lines[first+k] = append(rs.lines[first+k], l)
		}
	}
}

// addLine merges the result of Go code run by the magic on line l, all on
// that line.
func (rs *restoreSet) addLine(l int, r engine.ExecuteResult) {
	for _, v := range r.Variables {
		rs.vars[v] = true
	}
	for _, s := range strings.Split(r.Restore, "\n") {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(rs.lines[l], s) {
			rs.lines[l] = append(rs.lines[l], s)
		}
	}
}

// reset forgets what earlier parts defined: a reset follows them.
func (rs *restoreSet) reset() {
	clear(rs.lines)
	clear(rs.vars)
}

// set puts text on line l.
func (rs *restoreSet) set(l int, text string) { rs.lines[l] = []string{text} }

// result is res with the cell's Restore and Variables.
func (rs *restoreSet) result(res engine.ExecuteResult) engine.ExecuteResult {
	res.Restore, res.Variables = "", nil
	for v := range rs.vars {
		res.Variables = append(res.Variables, v)
	}
	sort.Strings(res.Variables)
	out := make([]string, len(rs.lines))
	any := false
	for k, l := range rs.lines {
		out[k] = strings.Join(l, "; ")
		any = any || len(l) > 0
	}
	if any {
		res.Restore = strings.Join(out, "\n")
	}
	return res
}

// begin points output, display and stdin at the cell. (parlib's context
// is the state's, which interrupts cancel: see runState.)
func (e *Engine) begin(ctx context.Context, out engine.Output, allowStdin bool) {
	e.cap.setOutput(out)
	display.SetSink(out)
	e.ctxMu.Lock()
	e.cellCtx, e.allowStdin = ctx, allowStdin
	e.ctxMu.Unlock()
}

// end ends a cell whose output has been flushed. Output that arrives later
// (from goroutines still running) goes to the same Output, which the kernel
// routes to whichever cell runs at the time.
func (e *Engine) end() {
	e.ctxMu.Lock()
	e.cellCtx, e.allowStdin = context.Background(), false
	e.ctxMu.Unlock()
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
	parlib.SetContext(context.Background())
	e.cap.setOutput(nil)
	display.SetSink(nil)
	e.cap.release()
	return nil
}

// InterruptIdle implements engine.IdleInterrupter: an interrupt while no
// cell runs stops the goroutines that earlier cells left running (at their
// next interpreted step), wakes their sleeps and cancels their parlib
// calls. What cells defined is kept: the next cell restores the
// interpreter's run id. It does nothing while a cell runs (the kernel
// cancels that cell's context instead).
func (e *Engine) InterruptIdle() {
	if !e.mu.TryLock() {
		return
	}
	defer e.mu.Unlock()
	if !e.closed {
		e.st.stop()
	}
}

var _ engine.IdleInterrupter = (*Engine)(nil)

// Complete proposes completions at cursor (in code points).
func (e *Engine) Complete(code string, cursor int) engine.Completion {
	return complete.Complete(code, cursor, scope{e})
}

// Inspect describes the name at cursor; detail is 0 or 1.
func (e *Engine) Inspect(code string, cursor, detail int) engine.Inspection {
	return complete.Inspect(code, cursor, detail, scope{e})
}

// IsComplete tells whether code is ready to run.
func (e *Engine) IsComplete(code string) (status, indent string) {
	return complete.IsComplete(code)
}
