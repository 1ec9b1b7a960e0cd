package interp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/scanner"
	"go/token"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

const (
	evalLabel = "gopar_eval"
	goLabel   = "gopar_go"
)

// labelGoroutine marks a goroutine started by a cell, so that it is not
// mistaken for the top-level code of an interrupted cell.
func labelGoroutine() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(goLabel, "1")))
}

// cellError is a failure of one chunk, already in the user's terms.
type cellError struct{ err *engine.Error }

func (c cellError) Error() string { return c.err.Error() }

// run executes a cell's Go source.
func (e *Engine) run(ctx context.Context, st *state, src string, count int, silent bool) engine.ExecuteResult {
	if err := e.waitZombies(ctx, st); err != nil {
		return engine.ExecuteResult{Err: err}
	}
	cr := st.newCell(src, count)
	st.mu.Lock()
	st.lastCell, st.curCell = cr, cr
	st.mu.Unlock()

	x := &execution{e: e, st: st, ctx: ctx, src: src, cell: cr, fset: token.NewFileSet()}
	v, has, err := x.run()
	if err != nil {
		var ce cellError
		if errors.As(err, &ce) {
			return engine.ExecuteResult{Err: ce.err}
		}
		return engine.ExecuteResult{Err: engine.NewError(engine.OtherError, err.Error(), err.Error())}
	}
	if !has || silent {
		return engine.ExecuteResult{}
	}
	st.mu.Lock()
	mimes := st.mimes
	st.mu.Unlock()
	d := renderResult(v, mimes)
	return engine.ExecuteResult{Result: &d}
}

// renderResult is the execute_result for a cell's final value(s).
func renderResult(v []any, mimes []mime) engine.Display {
	if len(v) == 1 {
		d, ok := display.RenderDisplay(v[0])
		if !ok {
			d = engine.Display{Data: engine.Bundle{"text/plain": "<nil>"}}
		}
		interpreted := v[0] != nil && reflect.TypeOf(v[0]).NumMethod() == 0
		set := func(k string, val any) {
			if b, ok := val.([]byte); ok && strings.HasPrefix(k, "image/") {
				val = base64.StdEncoding.EncodeToString(b)
			}
			if _, has := d.Data[k]; !has || (k == "text/plain" && interpreted) {
				d.Data[k] = val
			}
		}
		for _, m := range mimes {
			if b, ok := m.data.(map[string]any); ok && m.kind == "bundle" {
				for k, val := range b {
					set(k, val)
				}
				continue
			}
			set(m.kind, m.data)
		}
		return d
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = display.PlainText(x)
	}
	return engine.Display{Data: engine.Bundle{"text/plain": "(" + strings.Join(parts, ", ") + ")"}}
}

// execution is the run of one cell.
type execution struct {
	e    *Engine
	st   *state
	ctx  context.Context
	src  string
	cell *cellRec
	fset *token.FileSet

	units []unit
	bases []int // token.Pos of cell offset 0, per unit
}

func (x *execution) errAt(off int, kind engine.Kind, msg string) error {
	line, col := off2pos(x.src, off)
	return cellError{x.e.compileError(x.cell, line, col, kind, msg)}
}

func (x *execution) run() (result []any, has bool, err error) {
	x.units = splitCell(x.src)
	x.bases = make([]int, len(x.units))
	for i := range x.units {
		u := &x.units[i]
		base, err := parseUnit(x.fset, x.src, u)
		x.bases[i] = base
		if err != nil {
			var el scanner.ErrorList
			if errors.As(err, &el) && len(el) > 0 {
				p := el[0].Pos
				col := p.Column
				if p.Line == 1 {
					pre := declPrefix
					if u.kind == uStmt {
						pre = stmtPrefix
					}
					col -= len(pre)
				}
				return nil, false, cellError{x.e.compileError(x.cell, p.Line, max(col, 1), engine.SyntaxError, el[0].Msg)}
			}
			return nil, false, x.errAt(u.start, engine.SyntaxError, err.Error())
		}
	}
	if err := x.imports(); err != nil {
		return nil, false, err
	}
	if err := x.autoImports(); err != nil {
		return nil, false, err
	}
	if err := x.typesAndConsts(); err != nil {
		return nil, false, err
	}
	if err := x.funcHeaders(); err != nil {
		return nil, false, err
	}
	last := -1
	for i := len(x.units) - 1; i >= 0; i-- {
		if x.units[i].kind != uPackage && x.units[i].kind != uImport {
			last = i
			break
		}
	}
	for i := range x.units {
		u := &x.units[i]
		var err error
		switch u.kind {
		case uVar:
			err = x.varDecl(i)
		case uFunc:
			err = x.funcBody(i)
		case uMethod:
			err = x.methodBody(i)
		case uStmt:
			var v []any
			var ok bool
			v, ok, err = x.stmt(i, i == last)
			if ok {
				result, has = v, true
			}
		}
		if err != nil {
			return nil, false, err
		}
	}
	return result, has, nil
}

// rewriterFor returns a rewriter for unit i.
func (x *execution) rewriterFor(i int) *rewriter {
	r := &rewriter{src: x.src, base: x.bases[i], ints: map[string]bool{}, consts: map[string]bool{},
		shadowed: map[string]bool{"os": x.st.globals["os"] != nil || (x.st.imports["os"] != "" && x.st.imports["os"] != "os")},
		counter:  &x.st.counter}
	for n := range builtinRepl {
		r.shadowed[n] = x.st.globals[n] != nil
	}
	r.pkgConst = func(pkg, name string) (constant.Value, bool) {
		if x.st.globals[pkg] != nil {
			return nil, false
		}
		p, ok := x.st.imports[pkg]
		if !ok {
			p, ok = x.st.packages[pkg]
		}
		if !ok {
			return nil, false
		}
		v, ok := x.e.Symbols(p)[name]
		if !ok || !v.IsValid() || !v.CanInterface() {
			return nil, false
		}
		c, ok := v.Interface().(constant.Value)
		return c, ok && c.Kind() != constant.Unknown
	}
	r.funcSigs = map[string]string{}
	for n, g := range x.st.globals {
		if g.kind == "func" && !g.generic {
			r.funcSigs[n] = g.sig
		}
		if g.typ != nil && isIntKind(g.typ.Kind()) {
			r.ints[n] = true
		}
		if g.kind == "const" {
			r.consts[n] = true
		}
	}
	return r
}

func (x *execution) off(i int, p token.Pos) int { return int(p) - x.bases[i] }

// eval builds and evaluates a chunk.
func (x *execution) eval(c *chunk) (reflect.Value, error) {
	c.build(x.src, x.cell)
	return x.e.evalChunk(x.ctx, x.st, c)
}

// evalChunk evaluates a built chunk and turns failures into cell errors.
func (e *Engine) evalChunk(ctx context.Context, st *state, c *chunk) (reflect.Value, error) {
	st.takePanicLines()
	if debugChunk != nil {
		debugChunk(c.text)
	}
	v, err := e.evalText(ctx, st, c.text)
	if err == nil {
		return v, nil
	}
	return v, cellError{e.describe(ctx, st, c, err)}
}

// startedHook starts every statement chunk: it tells evalText that the
// chunk's code runs.
const startedHook = ";__gopar.Started()"

// debugChunk, when set (by tests), sees every chunk's text.
var debugChunk func(string)

// yaegiCrash is a panic that escaped yaegi's Eval (a bug or unsupported
// construct in the interpreter, such as "nil type").
type yaegiCrash struct{ value any }

func (y yaegiCrash) Error() string { return fmt.Sprint(y.value) }

// evalText runs one Eval in a labelled goroutine so that an interrupted
// evaluation can be told apart from everything else later.
func (e *Engine) evalText(ctx context.Context, st *state, text string) (reflect.Value, error) {
	st.evalID++
	id := st.evalID
	type result struct {
		v   reflect.Value
		err error
	}
	// yaegi loses a cancellation that arrives before the code starts
	// running (Execute then takes the new run id and runs on, unstoppable),
	// so the interpreter's context is cancelled only once statement chunks
	// have signalled that they run (their first statement calls
	// __gopar.Started).
	hooked := strings.HasPrefix(text, startedHook)
	started := make(chan struct{})
	st.mu.Lock()
	st.started = started
	st.mu.Unlock()
	ictx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan result, 1)
	go pprof.Do(context.Background(), pprof.Labels(evalLabel, strconv.Itoa(id)), func(context.Context) {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{err: yaegiCrash{r}}
			}
		}()
		v, err := st.it.EvalWithContext(ictx, text)
		ch <- result{v, err}
	})
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		if hooked {
			select {
			case <-started:
			case r = <-ch:
				return r.v, r.err
			}
		}
		cancel()
		r = <-ch
	}
	if ctx.Err() != nil && (r.err == nil || errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
		st.zombies = append(st.zombies, id)
		st.interrupt()
		// Most interrupted code stops within a few hundred milliseconds;
		// wait a little so that the next cell rarely has to.
		deadline := time.Now().Add(400 * time.Millisecond)
		for time.Now().Before(deadline) && !st.pruneZombies() {
			time.Sleep(20 * time.Millisecond)
		}
		return reflect.Value{}, errInterrupted
	}
	return r.v, r.err
}

// pruneZombies forgets interrupted evaluations whose goroutine is gone and
// reports whether none is left.
func (st *state) pruneZombies() bool {
	if len(st.zombies) == 0 {
		return true
	}
	alive := labelledGoroutines(evalLabel)
	keep := st.zombies[:0]
	for _, id := range st.zombies {
		if alive[strconv.Itoa(id)] {
			keep = append(keep, id)
		}
	}
	st.zombies = keep
	return len(keep) == 0
}

// labelledGoroutines returns the values of label key among live goroutines
// that are not goroutines started by cells.
func labelledGoroutines(key string) map[string]bool {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	out := map[string]bool{}
	re := regexp.MustCompile(`"` + key + `":"([^"]*)"`)
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "# labels:") || strings.Contains(line, goLabel) {
			continue
		}
		if m := re.FindStringSubmatch(line); m != nil {
			out[m[1]] = true
		}
	}
	return out
}

// waitZombies blocks until the top-level code of interrupted cells is gone:
// yaegi would otherwise resume it (it shares the global frame) once the next
// evaluation starts.
func (e *Engine) waitZombies(ctx context.Context, st *state) *engine.Error {
	if st.pruneZombies() {
		return nil
	}
	if out := e.cap.output(); out != nil {
		out.Stream("stderr", "waiting for an interrupted cell to return from a blocking call of compiled code "+
			"(interrupt, then %reset, to give up on it)…\n")
	}
	for !st.pruneZombies() {
		select {
		case <-ctx.Done():
			return engine.NewError(engine.Interrupt, "interrupted while waiting for an earlier interrupted cell",
				"Interrupt: an earlier interrupted cell is still blocked in a call to compiled code; run %reset to abandon it")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

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
	if m := undefinedTypeParamRE.FindStringSubmatch(errPosRE.ReplaceAllString(msg, "$3")); m != nil {
		return stdGenericError(c, m[1])
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
		return engine.NewError(engine.CompileError, m[3], m[3])
	}
	return engine.NewError(engine.CompileError, msg, msg)
}

var (
	undefinedTypeParamRE = regexp.MustCompile(`^undefined type for (\w+)$`)
	stdGenericCallRE     = regexp.MustCompile(`\b(slices|maps)\.(\w+)\s*\(`)
)

// stdGenericError explains yaegi's "undefined type for E": it cannot infer
// a type parameter that no argument gives directly, as in the standard
// library's slices.Equal[S ~[]E, E comparable](s1, s2 S).
func stdGenericError(c *chunk, param string) *engine.Error {
	msg := "the interpreter cannot infer the type parameter " + param + " of a generic function"
	if m := stdGenericCallRE.FindStringSubmatch(c.text); m != nil {
		fn := m[1] + "." + m[2]
		example := "slices.Equal[[]int, int](a, b)"
		if m[1] == "maps" {
			example = "maps.Clone[map[string]int, string, int](m)"
		}
		msg = "the interpreter cannot infer the type parameter " + param + " of " + fn +
			" (generic functions of the standard library's slices and maps packages often need explicit type arguments in cells): " +
			"give them, the slice or map type first, then its key and element types, e.g. " + example + "; or write a loop"
	} else {
		msg += ": give the type arguments explicitly, e.g. F[int](...)"
	}
	return engine.NewError(engine.CompileError, msg)
}

func interruptError() *engine.Error {
	return engine.NewError(engine.Interrupt, "the cell was interrupted",
		"Interrupt: the cell was interrupted; what earlier cells defined is kept. "+
			"Goroutines started by cells are stopped too.")
}

// unsupported explains yaegi's "nil type" crash.
func (e *Engine) unsupported(c *chunk) *engine.Error {
	msg := "the interpreter does not support a construct in this code (yaegi crashed with \"nil type\")"
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
	for n, g := range st.globals {
		if g.generic && (strings.Contains(text, n+"(") || strings.Contains(text, n+"[")) {
			return msg + " (the interpreter's type inference for generic functions is limited: " +
				"give the type arguments explicitly, e.g. " + n + "[int](...))"
		}
	}
	if sel, ok := strings.CutPrefix(msg, "undefined selector: "); ok && (strings.HasPrefix(sel, "slices.") || strings.HasPrefix(sel, "maps.")) {
		return msg + " (the interpreter has only part of the generic slices and maps packages: no sorting, Min, Max, " +
			"BinarySearch, Keys or Values; use sort.Ints, sort.Float64s, sort.Strings, sort.Slice, or a loop)"
	}
	if strings.Contains(msg, "definition loop") {
		if n := undefinedOnLine(st, c.cell.src, text); n != "" {
			return "undefined: " + n
		}
		return msg + " (often an undefined name on this line)"
	}
	return msg
}

// universe holds Go's predeclared names and the engine's own.
var universe = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`append cap clear close complex copy delete imag len make max min new panic print println
		real recover bool byte comparable complex64 complex128 error float32 float64 int int8 int16 int32 int64
		rune string uint uint8 uint16 uint32 uint64 uintptr any true false iota nil __gopar`) {
		universe[n] = true
	}
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
		if tok == token.IDENT && prev != token.PERIOD && !universe[lit] && !defined[lit] &&
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
	var out []string
	for _, pl := range lines {
		cr := st.cellAt(pl.line)
		if cr == nil {
			continue
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
		where := fmt.Sprintf("  In [%d] line %d%s:", cr.count, l, fn)
		if cr.count == 0 {
			where = fmt.Sprintf("  line %d%s:", l, fn)
		}
		out = append(out, where, "      "+strings.TrimSpace(srcLine(cr.src, l)))
	}
	return out
}

// userExpressions evaluates the request's user_expressions.
func (e *Engine) userExpressions(ctx context.Context, st *state, exprs map[string]string) map[string]any {
	out := map[string]any{}
	for name, src := range exprs {
		cr := st.newCell(src, 0)
		c := &chunk{stmt: true, pieces: []piece{{0, len(src), []edit{{0, 0, "__gopar.Result("}, {len(src), len(src), ")"}}}}}
		c.build(src, cr)
		st.mu.Lock()
		st.result, st.hasResult = nil, false
		st.mu.Unlock()
		_, err := e.evalChunk(ctx, st, c)
		if err != nil {
			var ce cellError
			errors.As(err, &ce)
			out[name] = map[string]any{"status": "error", "ename": string(ce.err.Kind), "evalue": ce.err.Value, "traceback": ce.err.Traceback}
			continue
		}
		st.mu.Lock()
		v := st.result
		st.mu.Unlock()
		d := renderResult(v, nil)
		out[name] = map[string]any{"status": "ok", "data": d.Data, "metadata": map[string]any{}}
	}
	return out
}

// stmt evaluates a top-level statement; the last one's value is the result.
func (x *execution) stmt(i int, last bool) ([]any, bool, error) {
	u := &x.units[i]
	if _, ok := u.stmt.(*ast.DeferStmt); ok {
		// yaegi would run it after every later evaluation.
		return nil, false, x.errAt(u.start, engine.CompileError,
			"defer at the top level of a cell is not supported (a cell is not a function): put it inside a func")
	}
	r := x.rewriterFor(i)
	r.run(u.stmt)
	if compound(u.stmt) {
		// yaegi compiles the top level of a cell as global code, and gets
		// some of it wrong in nested blocks (a, b := f() leaves a
		// undefined; x := x loops forever): a function body is safe.
		r.edits = append(r.edits, edit{u.start, u.start, "func() { "}, edit{u.end, u.end, " }()"})
	}
	p := piece{u.start, u.end, r.edits}
	var defined []string
	if as, ok := u.stmt.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
		defined = identNames(as.Lhs...)
		if done, err := x.typedDefine(i, as, r, -1); done {
			if err != nil {
				return nil, false, err
			}
			x.defined(defined, "var", nil)
			return nil, false, nil
		}
	}
	if es, ok := u.stmt.(*ast.ExprStmt); ok && last && producesValue(es.X) {
		wrapped := p
		s, e := x.off(i, es.X.Pos()), x.off(i, es.X.End())
		if methods := x.displayMethods(es.X, x.src[s:e]); len(methods) > 0 {
			// A value of a cell-defined type with display methods: call
			// them here, where the interpreter knows the type (compiled
			// code cannot see methods of interpreted types).
			tail := "; __gopar.Result(__gopar_v)"
			for _, m := range methods {
				tail += fmt.Sprintf("; __gopar.Mime(%q, __gopar_v.%s())", displayMethods[m], m)
			}
			wrapped.edits = append(append([]edit(nil), p.edits...),
				edit{s, s, "{ __gopar_v := "}, edit{e, e, tail + " }"})
		} else {
			wrapped.edits = append(append([]edit(nil), p.edits...),
				edit{s, s, "__gopar.Result("}, edit{e, e, ")"})
		}
		x.st.mu.Lock()
		x.st.result, x.st.hasResult, x.st.mimes = nil, false, nil
		x.st.mu.Unlock()
		c := &chunk{stmt: true, pieces: []piece{wrapped}}
		_, err := x.eval(c)
		if err == nil {
			x.st.mu.Lock()
			v, has := x.st.result, x.st.hasResult
			x.st.mu.Unlock()
			return v, has, nil
		}
		x.st.mu.Lock()
		x.st.mimes = nil
		x.st.mu.Unlock()
		var ce cellError
		if !errors.As(err, &ce) || ce.err.Kind != engine.CompileError || !noValue(ce.err.Value) {
			return nil, false, err
		}
		// A call without results: run it as a plain statement.
	}
	c := &chunk{stmt: true, pieces: []piece{p}}
	if _, err := x.eval(c); err != nil {
		return nil, false, err
	}
	x.defined(defined, "var", nil)
	return nil, false, nil
}

// compound reports whether a top-level statement holds blocks.
func compound(s ast.Stmt) bool {
	switch s.(type) {
	case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
		*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
		return true
	}
	return false
}

// typedDefine evaluates a top-level `a, b := RHS` as `var a T; var b U;
// a, b = RHS` with the types the interpreter gives RHS inside a function.
// yaegi types global := declarations with a weaker analysis than function
// bodies: a call of a generic function (min, max too) crashes it ("nil
// type"), and an index into a field of a compiled struct (r.Points[1]) is
// "a constant definition loop" or a nil pointer at run time. It is used
// when RHS has such an expression, or when the plain form fails to
// compile with those errors; done is false when the statement is left to
// the plain form.
//
// A `var a, b = RHS` declaration comes as an AssignStmt whose TokPos is the
// "=", with varPos the offset of its var keyword (-1 for :=).
func (x *execution) typedDefine(i int, as *ast.AssignStmt, r *rewriter, varPos int) (done bool, err error) {
	if len(as.Lhs) == 0 || len(as.Rhs) == 0 {
		return false, nil
	}
	u := &x.units[i]
	plain := &chunk{stmt: true, pieces: []piece{{u.start, u.end, r.edits}}}
	self, weak := x.selfRef(as), x.weakRHS(as.Rhs)
	if !self && !weak {
		_, err := x.eval(plain)
		var ce cellError
		if err == nil || !errors.As(err, &ce) || !gtaFailure(ce.err) {
			return true, err
		}
	}
	types, ok := x.probeTypes(i, as, r)
	if ok {
		// yaegi names an instance of a generic type (Stack[int]) by its
		// underlying struct: declared with it, the variable would lose
		// the methods. The plain form may work; it is tried first.
		for _, t := range types {
			if strings.Contains(t, "struct {") || strings.Contains(t, "interface {") {
				_, err := x.eval(plain)
				var ce cellError
				if err == nil || !errors.As(err, &ce) || !gtaFailure(ce.err) {
					return true, err
				}
				break
			}
		}
	}
	if !ok {
		_, err := x.eval(plain)
		return true, err
	}
	lhs0, tok := x.off(i, as.Lhs[0].Pos()), x.off(i, as.TokPos)
	decl, after := "", ""
	var temps []string
	for k, e := range as.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" {
			temps = append(temps, "_")
			continue
		}
		if !self {
			decl += "var " + id.Name + " " + types[k] + "; "
			continue
		}
		// The right-hand side uses a variable it redeclares (data :=
		// append(data, x)): it must see the old one, so its values go to
		// temporaries first.
		t := "__gopar_t" + strconv.Itoa(k)
		temps = append(temps, t)
		decl += "var " + t + " " + types[k] + "; "
		after += "; var " + id.Name + " " + types[k] + " = " + t
	}
	tokLen := len(":=")
	if varPos >= 0 {
		tokLen = len("=")
		lhs0 = varPos
	}
	edits := append(append([]edit(nil), r.edits...), edit{lhs0, x.off(i, as.Lhs[0].Pos()), decl}, edit{tok, tok + tokLen, "="})
	if self {
		l0 := x.off(i, as.Lhs[0].Pos())
		edits = append(edits, edit{l0, x.off(i, as.Lhs[len(as.Lhs)-1].End()), strings.Join(temps, ", ")})
	}
	if _, err := x.eval(&chunk{stmt: true, pieces: []piece{{u.start, u.end, edits}}}); err != nil {
		var ce cellError
		if errors.As(err, &ce) && (ce.err.Kind == engine.CompileError || ce.err.Kind == engine.Unsupported) {
			_, err = x.eval(plain) // a type the probe could not name: the plain form says what is wrong
		}
		return true, err
	}
	if self {
		// A chunk of its own: yaegi declares a chunk's globals before
		// running any of it.
		_, err := x.eval(&chunk{stmt: true, pieces: []piece{{u.start, u.end, []edit{{u.start, u.end, strings.TrimPrefix(after, "; ")}}}}})
		return true, err
	}
	return true, nil
}

// selfRef reports whether the right-hand side of a top-level := uses a
// global variable that the statement declares again.
func (x *execution) selfRef(as *ast.AssignStmt) bool {
	used := map[string]bool{}
	for _, e := range as.Rhs {
		for n := range identSet(e) {
			used[n] = true
		}
	}
	for _, n := range identNames(as.Lhs...) {
		if g := x.st.globals[n]; used[n] && g != nil && g.kind == "var" {
			return true
		}
	}
	return false
}

// gtaFailure reports whether an error is one of yaegi's failures to type a
// global := declaration.
func gtaFailure(e *engine.Error) bool {
	return e.Kind == engine.Unsupported && strings.Contains(e.Value, "nil type") ||
		e.Kind == engine.CompileError && strings.Contains(e.Value, "definition loop")
}

// weakRHS reports whether the right-hand side of a top-level := has an
// expression that yaegi's global declarations cannot type: an index
// expression, or a call of a generic function (min and max included).
func (x *execution) weakRHS(rhs []ast.Expr) bool {
	found := false
	for _, e := range rhs {
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CompositeLit:
				// Its type may instantiate a generic type (Stack[int]{}).
				for _, e := range n.Elts {
					ast.Inspect(e, func(m ast.Node) bool {
						if _, ok := m.(*ast.IndexExpr); ok {
							found = true
						}
						return !found
					})
				}
				return false
			case *ast.IndexExpr, *ast.IndexListExpr:
				found = true
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok {
					g := x.st.globals[id.Name]
					if g != nil && g.generic || g == nil && (id.Name == "min" || id.Name == "max") {
						found = true
					}
				}
			}
			return !found
		})
	}
	return found
}

var probeRE = regexp.MustCompile(`cannot use type (.+) as type struct \{ ?__gopar_probe int ?\}`)

// probeTypes finds the types of the variables a top-level := declares, as
// Go source, by compiling (not running) the right-hand side inside a
// function and reading the type from the interpreter's error message. The
// packages the types name are imported.
func (x *execution) probeTypes(i int, as *ast.AssignStmt, r *rewriter) ([]string, bool) {
	u := &x.units[i]
	rhs0, rhs1 := x.off(i, as.Rhs[0].Pos()), x.off(i, as.Rhs[len(as.Rhs)-1].End())
	var edits []edit
	for _, e := range r.edits {
		if e.start >= rhs0 && e.end <= rhs1 {
			edits = append(edits, e)
		}
	}
	vars := make([]string, len(as.Lhs))
	for k := range vars {
		vars[k] = "__gopar_p" + strconv.Itoa(k)
	}
	types := make([]string, len(as.Lhs))
	for k, e := range as.Lhs {
		if id, ok := e.(*ast.Ident); !ok || id.Name == "_" {
			continue
		}
		open := "_ = func() { " + strings.Join(vars, ", ") + " := "
		closing := "; var _ struct{ __gopar_probe int } = " + vars[k] + " }"
		c := &chunk{stmt: true, pieces: []piece{{rhs0, rhs1, append(append([]edit(nil), edits...),
			edit{rhs0, rhs0, open}, edit{rhs1, rhs1, closing})}}}
		c.build(x.src, x.cell)
		msg := func() (msg string) {
			defer func() {
				if recover() != nil {
					msg = ""
				}
			}()
			_, err := x.st.it.Compile(c.text)
			if err == nil {
				return ""
			}
			return err.Error()
		}()
		m := probeRE.FindStringSubmatch(msg)
		if m == nil {
			return nil, false
		}
		t := mainQualRE.ReplaceAllString(m[1], "")
		for _, q := range pkgQualRE.FindAllStringSubmatch(t, -1) {
			if _, ok := x.st.imports[q[1]]; ok {
				continue
			}
			p, ok := x.st.packages[q[1]]
			if !ok || x.st.globals[q[1]] != nil || x.importPkg(q[1], p, u.start) != nil {
				return nil, false
			}
		}
		types[k] = t
	}
	return types, true
}

var (
	mainQualRE = regexp.MustCompile(`\bmain\.`)
	pkgQualRE  = regexp.MustCompile(`\b([A-Za-z_]\w*)\.[A-Za-z_]`)
)

// displayMethods maps the methods a value may have to show itself to the
// MIME type they give ("bundle" for MIMEBundle's map). String and Error come
// last: they replace text/plain.
var displayMethods = map[string]string{
	"MIMEBundle": "bundle", "HTML": "text/html", "Markdown": "text/markdown", "SVG": "image/svg+xml",
	"LaTeX": "text/latex", "PNG": "image/png", "JPEG": "image/jpeg", "String": "text/plain", "Error": "text/plain",
}

var displayMethodOrder = []string{"MIMEBundle", "HTML", "Markdown", "SVG", "LaTeX", "PNG", "JPEG", "String", "Error"}

// displayMethods returns which display methods the value of expr has, by
// compiling (not running) a method value for each.
func (x *execution) displayMethods(e ast.Expr, expr string) []string {
	if strings.ContainsAny(expr, "\n") || !mayHaveMethods(e) {
		return nil
	}
	var out []string
	for _, m := range displayMethodOrder {
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			_, err := x.st.it.Compile(";_ = func() { _ = (" + expr + ")." + m + " }")
			return err == nil
		}()
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// mayHaveMethods is false for expressions whose value cannot be of a type
// defined in a cell (literals, arithmetic, comparisons, builtin calls).
func mayHaveMethods(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit, *ast.FuncLit, *ast.BinaryExpr:
		return false
	case *ast.ParenExpr:
		return mayHaveMethods(e.X)
	case *ast.UnaryExpr:
		return e.Op == token.AND || e.Op == token.ARROW
	case *ast.CompositeLit:
		switch e.Type.(type) {
		case *ast.ArrayType, *ast.MapType, *ast.StructType:
			return false
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Obj == nil {
			switch id.Name {
			case "len", "cap", "append", "make", "min", "max", "complex", "real", "imag",
				"int", "int64", "float64", "string", "bool", "byte", "rune", "uint", "uint64", "float32", "int32":
				return false
			}
		}
	}
	return true
}

// noValue reports whether a compile error says an expression has no value.
func noValue(msg string) bool {
	return strings.Contains(msg, "as type ()") || strings.Contains(msg, "used as value") ||
		strings.Contains(msg, "no value")
}

// producesValue reports whether an expression statement may have a value
// worth showing (calls of builtins that return nothing do not).
func producesValue(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return true
	}
	switch f := c.Fun.(type) {
	case *ast.Ident:
		switch f.Name {
		case "print", "println", "panic", "close", "delete", "clear":
			return false
		}
	case *ast.SelectorExpr:
		// fmt.Println's byte count and nil error are noise, as in Go REPLs.
		if x, ok := f.X.(*ast.Ident); ok && x.Obj == nil && x.Name == "fmt" &&
			(strings.HasPrefix(f.Sel.Name, "Print") || strings.HasPrefix(f.Sel.Name, "Fprint")) {
			return false
		}
	}
	return true
}
