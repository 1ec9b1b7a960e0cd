package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/symbols/std"
	"github.com/gopar/gopar/parlib"
)

// Errors in the user's terms: yaegi's messages and panics become
// engine.Errors that point at the cell and line, show the source line with
// a caret, add advice where yaegi words things poorly, and give a panic's
// call chain through cells.

// cellError is a failure of one chunk, already in the user's terms.
type cellError struct{ err *engine.Error }

func (c cellError) Error() string { return c.err.Error() }

var errPosRE = regexp.MustCompile(`^(?:[^\s:]*:)?(\d+):(\d+): (.*)`)

// describe turns an Eval failure into a user error.
func (e *Engine) describe(ctx context.Context, st *state, c *chunk, err error) *engine.Error {
	if errors.Is(err, errInterrupted) {
		return interruptError()
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		if s, ok := p.Value.(string); ok && (s == "nil type" || s == "nil reflect type") {
			return e.unsupported(c)
		}
		if compiling(p) {
			return e.compilerCrash(st, c, p.Value)
		}
		return e.panicError(ctx, st, p.Value)
	}
	var y yaegiCrash
	if errors.As(err, &y) {
		if s, ok := y.value.(string); ok && (s == "nil type" || s == "nil reflect type") {
			return e.unsupported(c)
		}
		return engine.NewError(engine.InterpreterError, fmt.Sprint(y.value),
			"the interpreter failed on this cell: "+fmt.Sprint(y.value))
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.ReplaceAll(msg, mainVar, "main") // the cell's main, as yaegi knows it
	msg = mainQualRE.ReplaceAllString(msg, "")     // main.T: a type of the cells
	msg = userNames(msg)                           // __gopar_sync.OnceValue__sync is sync.OnceValue
	if m := undefinedTypeParamRE.FindStringSubmatch(errPosRE.ReplaceAllString(msg, "$3")); m != nil {
		return stdGenericError(c, m[1])
	}
	if m := noPosRE.FindStringSubmatch(msg); m != nil {
		// yaegi gives no position: the selector's, if the chunk has it.
		if off, ok := c.selectorOffset(m[2]); ok {
			line, col := off2pos(c.cell.src, off)
			return e.compileError(c.cell, line, col, engine.CompileError, e.hint(st, c, line, m[1]))
		}
		msg = m[1]
	}
	if m := errPosRE.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if off, ok := c.cellOffset(l, col); ok {
			line, cc := off2pos(c.cell.src, off)
			msg := e.hint(st, c, line, m[3])
			if name, ok := strings.CutPrefix(msg, "undefined: "); ok && strings.Contains(m[3], "definition loop") {
				if at := identColumn(srcLine(c.cell.src, line), name); at > 0 {
					cc = at
				}
			}
			return e.compileError(c.cell, line, cc, engine.CompileError, msg)
		}
		// A position in no cell (in gopar's Go source of a standard
		// package): the error is about the chunk's code.
		if len(c.pieces) > 0 {
			line, col := off2pos(c.cell.src, c.pieces[0].start)
			return e.compileError(c.cell, line, col, engine.CompileError, m[3])
		}
		return engine.NewError(engine.CompileError, m[3], m[3])
	}
	return engine.NewError(engine.CompileError, msg, msg)
}

var (
	// noSymbolRE matches yaegi's error for a name a compiled package lacks.
	noSymbolRE = regexp.MustCompile(`package \w+ "([^"]+)" has no symbol (\w+)|undefined selector:? ([\w./]+)\.(\w+)`)
	// noPosRE matches an error of yaegi's without a position, and the
	// selector it names.
	noPosRE              = regexp.MustCompile(`^-: (undefined (?:selector|method):? (\w+).*)`)
	undefinedTypeParamRE = regexp.MustCompile(`^undefined type for (\w+)$`)
	stdGenericCallRE     = regexp.MustCompile(`\b(slices|maps|cmp|iter)\.(\w+)\s*\(`)
)

// stdGenericError explains yaegi's "undefined type for E": it cannot infer
// a type parameter that no argument gives directly (by its whole type,
// position by position), and the engine could not see the arguments'
// types to give the type arguments itself.
func stdGenericError(c *chunk, param string) *engine.Error {
	msg := "the interpreter cannot infer the type parameter " + param + " of a generic function"
	if m := stdGenericCallRE.FindStringSubmatch(c.text); m != nil {
		fn := m[1] + "." + m[2]
		msg = "the interpreter cannot infer the type parameter " + param + " of " + fn +
			" here (the engine gives type arguments itself when it can see the types of the arguments, as in a variable " +
			"declared with its type): give them explicitly, the element types, as in slices.Index[int](s, v) or " +
			"maps.Keys[string, int](m) (Go's type arguments, slice or map type first, work too)"
	} else {
		msg += ": give the type arguments explicitly, e.g. F[int](...)"
	}
	return engine.NewError(engine.CompileError, msg)
}

// compiling reports whether a panic that yaegi recovered happened while it
// compiled the code (a crash of the interpreter on code it cannot handle),
// not while the code ran: no interpreted code was running (yaegi's runCfg
// runs every interpreted frame).
func compiling(p yaegi.Panic) bool {
	return len(p.Stack) > 0 && !bytes.Contains(p.Stack, []byte("github.com/traefik/yaegi/interp.runCfg("))
}

// compilerCrash describes a panic of yaegi's compiler on a chunk as a
// compile error at the cell's line (the one yaegi names, else the chunk's
// first), with what the user can do about it.
func (e *Engine) compilerCrash(st *state, c *chunk, v any) *engine.Error {
	msg := userNames(strings.TrimPrefix(fmt.Sprint(v), "runtime error: "))
	line, col := 0, 0
	if m := errPosRE.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		cc, _ := strconv.Atoi(m[2])
		if off, ok := c.cellOffset(l, cc); ok {
			line, col = off2pos(c.cell.src, off)
		}
		msg = strings.TrimPrefix(strings.TrimPrefix(m[3], "CFG post-order panic: "), "runtime error: ")
	}
	if line == 0 && len(c.pieces) > 0 {
		line, col = off2pos(c.cell.src, c.pieces[0].start)
		// At the first non-blank character of that line.
		col += len(srcLine(c.cell.src, line)[col-1:]) - len(strings.TrimLeft(srcLine(c.cell.src, line)[col-1:], " \t"))
	}
	text := "the interpreter (yaegi) failed on this code (" + msg + ")"
	if advice, at := crashAdvice(st, srcLine(c.cell.src, line)); advice != "" {
		text += ": " + advice
		col = at
	} else {
		text += ": if this is valid Go, write it another way (simpler expressions, explicit types and type arguments)"
	}
	if line == 0 {
		return engine.NewError(engine.CompileError, text, text)
	}
	return e.compileError(c.cell, line, col, engine.CompileError, text)
}

// crashAdvice says what to do about yaegi's crash on a line, when the line
// shows a known cause, and the column (1-based) of that cause.
func crashAdvice(st *state, line string) (advice string, col int) {
	for n, g := range st.globals {
		if g.generic && g.kind == "func" {
			if at := spreadCall(line, n); at > 0 {
				return "yaegi cannot pass the results of a call with several results as the arguments of a generic function (" +
					"the engine gives the type arguments itself only when it knows the results' types); " +
					"assign them first, as in v, err := f(); " + n + "(v, err), or give the type arguments: " + n + "[int](f())", at
			}
		}
	}
	return "", 0
}

// spreadCall finds in line a call of name whose only argument is a call,
// name(g(...)), and returns its column (1-based; 0 if there is none).
func spreadCall(line, name string) int {
	for from := 0; ; {
		at := identColumn(line[from:], name)
		if at == 0 {
			return 0
		}
		at += from
		rest := line[at-1+len(name):]
		if i := strings.IndexByte(rest, '['); i == 0 { // explicit type arguments: fine
			return 0
		}
		if strings.HasPrefix(rest, "(") {
			depth, calls := 0, false
			for i := 0; i < len(rest); i++ {
				switch rest[i] {
				case '(', '[', '{':
					depth++
					if rest[i] == '(' && depth == 2 {
						calls = true
					}
				case ')', ']', '}':
					depth--
				case ',':
					if depth == 1 {
						calls = false // several arguments
						i = len(rest)
					}
				}
				if depth == 0 {
					if calls && rest[i-1] == ')' {
						return at
					}
					break
				}
			}
		}
		from = at - 1 + len(name)
	}
}

func interruptError() *engine.Error {
	return engine.NewError(engine.Interrupt, "the cell was interrupted",
		"Interrupt: the cell was interrupted; what earlier cells defined is kept. "+
			"Goroutines started by cells are stopped too.")
}

// unsupported explains yaegi's "nil type" crash.
func (e *Engine) unsupported(c *chunk) *engine.Error {
	msg := "the interpreter does not support a construct in this code (yaegi crashed with \"nil type\")"
	for _, p := range c.pieces {
		l0, _ := off2pos(c.cell.src, p.start)
		l1, _ := off2pos(c.cell.src, p.end)
		for l := l0; l <= l1; l++ {
			if advice, col := crashAdvice(e.st, srcLine(c.cell.src, l)); advice != "" {
				return e.compileError(c.cell, l, col, engine.CompileError, "the interpreter (yaegi) failed on this code: "+advice)
			}
		}
	}
	if strings.Contains(c.text, "range") {
		msg += ". It is likely a range loop: over an integer whose type the engine cannot see " +
			"(write for i := 0; i < n; i++), or over an iterator function that is not a function " +
			"defined in a cell, or whose body returns or jumps to a label (call the iterator with " +
			"a yield func instead: seq(func(v T) bool { ...; return true }))"
	} else if strings.Contains(c.text, "[") {
		msg += "; generic code: try giving the type arguments explicitly"
	}
	return engine.NewError(engine.Unsupported, msg, msg)
}

// hint adds advice to compile errors the interpreter words poorly.
func (e *Engine) hint(st *state, c *chunk, line int, msg string) string {
	text := srcLine(c.cell.src, line)
	if strings.HasPrefix(msg, "undefined") {
		if name := shadowedPackage(st, text); name != "" {
			g := st.globals[name]
			def := ""
			if g.cell != nil && g.cell.count > 0 {
				def = fmt.Sprintf(" In [%d] defined", g.cell.count)
			}
			what := kindWords[g.kind]
			return fmt.Sprintf("%s (%s is the %s%s, not package %s: import %q to use the package, which hides the %s from then on, or rename the %s)",
				msg, name, what, def, name, st.packages[name], what, what)
		}
	}
	for n, g := range st.globals {
		if g.generic && (strings.Contains(text, n+"(") || strings.Contains(text, n+"[")) {
			return msg + " (the interpreter's type inference for generic functions is limited: " +
				"give the type arguments explicitly, e.g. " + n + "[int](...))"
		}
	}
	if m := noSymbolRE.FindStringSubmatch(msg); m != nil {
		pkg, name := m[1]+m[3], m[2]+m[4]
		if p, ok := st.packages[pkg]; ok && !strings.Contains(pkg, "/") {
			pkg = p
		}
		if advice := std.Unsupported[pkg+"."+name]; advice != "" {
			return msg + " (" + name + " is generic, and yaegi's tables of compiled packages cannot hold generic code: " + advice + ")"
		}
	}
	if sel, ok := strings.CutPrefix(msg, "undefined selector: "); ok {
		if pkg, _, _ := strings.Cut(sel, "."); stdSymbols()[pkg] != nil {
			return msg + " (gopar's " + pkg + " package is Go " + strings.TrimPrefix(runtime.Version(), "go") + "'s)"
		}
	}
	if strings.Contains(msg, "definition loop") {
		if n := undefinedOnLine(st, c.cell.src, text); n != "" {
			return "undefined: " + n
		}
		return msg + " (often an undefined name on this line)"
	}
	return msg
}

// kindWords name the kinds of globals in messages.
var kindWords = map[string]string{"var": "variable", "func": "function", "const": "constant", "type": "type", "method": "method"}

// shadowedPackage finds, on a line, a selector x.Sel whose x is a global of
// the cells that has a package's name ("" if there is none).
func shadowedPackage(st *state, line string) string {
	for n, g := range st.globals {
		if _, pkg := st.packages[n]; pkg && g.kind != "func" && strings.Contains(line, n+".") && identColumn(line, n) > 0 {
			if _, imported := st.imports[n]; !imported || g.kind == "var" {
				return n
			}
		}
	}
	return ""
}

// undefinedOnLine finds a name used on a line of a cell that nothing
// defines: yaegi reports some undefined names as a "definition loop".
func undefinedOnLine(st *state, cell, line string) string {
	defined := map[string]bool{}
	var s scanner.Scanner
	fs := token.NewFileSet()
	f := fs.AddFile("", -1, len(cell))
	s.Init(f, []byte(cell), nil, 0)
	var prev token.Token
	var idents []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.DEFINE || tok == token.VAR || tok == token.CONST || tok == token.TYPE || tok == token.FUNC {
			for _, n := range idents {
				defined[n] = true
			}
		}
		if tok == token.IDENT && (prev == token.VAR || prev == token.CONST || prev == token.TYPE || prev == token.FUNC) {
			defined[lit] = true
		}
		switch tok {
		case token.IDENT:
			if prev != token.PERIOD {
				idents = append(idents, lit)
			}
		case token.COMMA:
		default:
			idents = idents[:0]
		}
		prev = tok
	}
	// Parameters and other local names: any identifier followed by a type
	// is too much to track; names used only on this line are checked.
	s.Init(fs.AddFile("", -1, len(line)), []byte(line), nil, 0)
	prev = token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return ""
		}
		if tok == token.IDENT && prev != token.PERIOD && !cellsyntax.IsPredeclared(lit) && lit != "__gopar" && !defined[lit] &&
			st.globals[lit] == nil && st.imports[lit] == "" && st.packages[lit] == "" {
			return lit
		}
		prev = tok
	}
}

// identColumn is the 1-based column of identifier name in line (0 if absent).
func identColumn(line, name string) int {
	isID := func(b byte) bool {
		return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
	}
	for i := 0; ; {
		j := strings.Index(line[i:], name)
		if j < 0 {
			return 0
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isID(line[j-1])) && (end == len(line) || !isID(line[end])) {
			return j + 1
		}
		i = end
	}
}

// compileError formats an error at a cell position with the source line and
// a caret.
func (e *Engine) compileError(cr *cellRec, line, col int, kind engine.Kind, msg string) *engine.Error {
	text := srcLine(cr.src, line)
	caret := []byte{}
	for i := 0; i < col-1 && i < len(text); i++ {
		if text[i] == '\t' {
			caret = append(caret, '\t')
		} else {
			caret = append(caret, ' ')
		}
	}
	where := fmt.Sprintf("In [%d] line %d:%d", cr.count, line, col)
	if cr.count == 0 {
		where = fmt.Sprintf("line %d:%d", line, col)
	}
	return engine.NewError(kind, fmt.Sprintf("%d:%d: %s", line, col, msg),
		where+": "+msg, "    "+text, "    "+string(caret)+"^")
}

// panicError describes a panic of the cell's code with the user's call chain.
func (e *Engine) panicError(ctx context.Context, st *state, v any) *engine.Error {
	lines := st.takePanicLines()
	st.mu.Lock()
	trace := st.traceLocked(lines)
	st.mu.Unlock()
	kind := engine.Panic
	val := fmt.Sprint(v)
	switch x := v.(type) {
	case exitError:
		kind = engine.Exit
	case runtime.Error:
		kind = engine.RuntimeError
		val = strings.TrimPrefix(x.Error(), "runtime error: ")
	case error:
		if errors.Is(x, errInterrupted) || (errors.Is(x, parlib.ErrCanceled) && ctx.Err() != nil) {
			return interruptError()
		}
	}
	tb := []string{string(kind) + ": " + val}
	if len(trace) > 0 {
		tb = append(tb, "", "Call chain (innermost first):")
		tb = append(tb, trace...)
	}
	return engine.NewError(kind, val, tb...)
}

var panicFuncRE = regexp.MustCompile(`^main\.([\w.]*)\(\.\.\.\)$`)

// traceLocked maps yaegi's panic lines to cells and lines (st.mu held).
func (st *state) traceLocked(lines []panicLine) []string {
	var out, prev []string
	// A run of frames that read the same is one frame, listed once: a
	// method and the function holding its body, a goroutine's function
	// and its guard, and a recursion, whose calls are counted (by the
	// first frame of the run, which each call repeats).
	var first panicLine
	repeats := 0
	flush := func() {
		if repeats > 0 {
			out = append(out, fmt.Sprintf("  [the frame above repeated %d more times]", repeats))
		}
		repeats = 0
	}
	seen := map[panicLine][]string{}
	for _, pl := range lines {
		f, ok := seen[pl]
		if !ok {
			f = st.frameLocked(pl)
			seen[pl] = f
		}
		if f == nil {
			continue
		}
		if slices.Equal(f, prev) {
			if pl == first {
				repeats++
			}
			continue
		}
		flush()
		out = append(out, f...)
		prev, first = f, pl
	}
	flush()
	return out
}

// frameLocked is the call chain's text for one of yaegi's panic lines, nil
// for none (st.mu held).
func (st *state) frameLocked(pl panicLine) []string {
	if file := strings.TrimSuffix(pl.file, ":"); strings.HasPrefix(file, "gopar/") {
		// gopar's Go source of a standard package (package gostd).
		fn := userNames(strings.NewReplacer(".func", "", "(...)", "").Replace(pl.what))
		return []string{fmt.Sprintf("  %s (the standard library, in gopar's Go source %s:%d)", fn, file, pl.line)}
	}
	cr := st.cellAt(pl.line)
	if cr == nil {
		return nil
	}
	l := pl.line - cr.base
	fn := ""
	for _, d := range st.defs {
		if d.cell == cr && l >= d.line0 && l <= d.line1 {
			fn = ", in " + d.name
		}
	}
	if m := panicFuncRE.FindStringSubmatch(pl.what); fn == "" && m != nil && m[1] != "" && !strings.Contains(m[1], "func") {
		fn = ", in " + m[1]
	}
	cell := fmt.Sprintf("In [%d] ", cr.count)
	if cr.count == 0 {
		cell = ""
	}
	if f, ok := enclosingFunc(cr.src, l); ok && f.last > f.first {
		// yaegi gives the line where the function began to run, not the
		// failing one (upstream #1266): name the function and its lines
		// only.
		if f.name == "" {
			fn = ", in a func literal"
		}
		return []string{fmt.Sprintf("  %slines %d-%d%s", cell, f.first, f.last, fn)}
	}
	return []string{fmt.Sprintf("  %sline %d%s:", cell, l, fn), "      " + strings.TrimSpace(srcLine(cr.src, l))}
}

// funcSpan is a function of a cell, declared or literal: its name ("" for
// a literal) and its first and last lines.
type funcSpan struct {
	name        string
	first, last int
}

// enclosingFunc returns the innermost function of the cell src whose body
// holds line l, if there is one.
func enclosingFunc(src string, l int) (span funcSpan, found bool) {
	code := cellsyntax.BlankMagics(src)
	for _, u := range cellsyntax.Split(code) {
		base, err := u.Parse(token.NewFileSet(), code)
		if err != nil {
			continue
		}
		var root ast.Node = u.Decl
		if u.Stmt != nil {
			root = u.Stmt
		}
		if root == nil {
			continue
		}
		line := func(p token.Pos) int {
			n, _ := off2pos(code, int(p)-base)
			return n
		}
		ast.Inspect(root, func(n ast.Node) bool {
			var body *ast.BlockStmt
			name := ""
			switch f := n.(type) {
			case *ast.FuncDecl:
				body, name = f.Body, f.Name.Name
			case *ast.FuncLit:
				body = f.Body
			}
			// Inspect visits outer functions first: the last one found
			// is the innermost.
			if body != nil && line(body.Lbrace) <= l && l <= line(body.Rbrace) {
				span, found = funcSpan{name, line(n.Pos()), line(body.Rbrace)}, true
			}
			return true
		})
	}
	return span, found
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

// issuesURL is where gopar's bugs are reported.
const issuesURL = "https://github.com/gopar/gopar/issues"

// internalError is the result of a panic of the engine's own code while it
// ran cell count: a bug of gopar's, reported as such with where gopar
// failed, never a crash of the kernel. What earlier cells defined is kept.
func internalError(count int, r any, stack []byte) engine.ExecuteResult {
	where := "this cell"
	if count > 0 {
		where = fmt.Sprintf("In [%d]", count)
	}
	msg := fmt.Sprintf("gopar failed on %s: %v", where, r)
	tb := []string{"InternalError: " + msg,
		"This is a bug in gopar, not in your code: please report it at " + issuesURL +
			", with the cell and the lines below. What earlier cells defined is kept, and the engine goes on."}
	if frames := goparFrames(stack); len(frames) > 0 {
		tb = append(append(tb, "", "Where gopar failed (innermost first):"), frames...)
	}
	return engine.ExecuteResult{Err: engine.NewError(engine.InternalError, msg, tb...)}
}

// goparFrames are the frames of gopar's own functions in the stack trace
// of a recovered panic (runtime/debug.Stack), from where it panicked, with
// their file and line, at most 12.
func goparFrames(stack []byte) []string {
	lines := strings.Split(string(stack), "\n")
	from := 0 // the frames above the panic are the recovery's
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			from = i + 2
			break
		}
	}
	var out []string
	for i := from; i+1 < len(lines) && len(out) < 24; i++ {
		fn := lines[i]
		if !strings.HasPrefix(fn, "github.com/gopar/gopar/") || !strings.HasPrefix(lines[i+1], "\t") {
			continue
		}
		if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j]
		}
		file := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndex(file, " +0x"); j > 0 {
			file = file[:j]
		}
		file = filepath.Join(filepath.Base(filepath.Dir(file)), filepath.Base(file)) // interp/eval.go:165
		out = append(out, "  "+fn, "      "+file)
		i++
	}
	return out
}
