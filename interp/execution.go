package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/scanner"
	"go/token"
	"reflect"
	"slices"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/gostd"
)

// The cell pipeline. A cell is split into units (cell.go); imports are
// evaluated first (imports.go), then types and constants together
// (decls.go), then the forwarding methods of new methods (funcs.go), then
// variables, functions, methods and statements in the order of the cell's
// plan (order.go): statements in source order, declarations as in a Go
// file. Each unit is rewritten (rewrite.go) and evaluated as a chunk of its
// own (eval.go), except functions and methods, evaluated in groups
// (funcs.go). The last statement's value is the cell's result (result.go).

// run executes a cell's Go source.
func (e *Engine) run(ctx context.Context, st *state, src string, count int, silent bool) engine.ExecuteResult {
	cr := st.newCell(src, count)
	st.mu.Lock()
	st.lastCell, st.curCell = cr, cr
	st.mu.Unlock()

	x := &execution{e: e, st: st, ctx: ctx, src: src, cell: cr, fset: token.NewFileSet()}
	v, has, err := x.run()
	// What took effect stays in the interpreter, also when a later part
	// of the cell failed: a restart restores it.
	res := engine.ExecuteResult{Variables: x.variables(), Restore: x.restoreText()}
	if err != nil {
		x.failedNames()
		var ce cellError
		if errors.As(err, &ce) {
			res.Err = ce.err
		} else {
			res.Err = engine.NewError(engine.OtherError, err.Error(), err.Error())
		}
		return res
	}
	if !has || silent {
		return res
	}
	st.mu.Lock()
	mimes := st.mimes
	st.mu.Unlock()
	d := renderResult(v, mimes)
	res.Result = &d
	return res
}

// execution is the run of one cell.
type execution struct {
	e    *Engine
	st   *state
	ctx  context.Context
	src  string
	cell *cellRec
	fset *token.FileSet

	units   []unit
	bases   []int      // token.Pos of cell offset 0, per unit
	info    []unitInfo // what each unit defines and uses (order.go)
	done    []bool     // units evaluated
	pending map[string]bool
	// transient: the unit being evaluated leaves no code behind (no
	// closure, goroutine or declaration).
	transient bool
	// reassigned: the unit being evaluated assigned existing variables
	// instead of declaring them again (see reassign).
	reassigned bool
	restore    map[int]string    // per unit, what restores its definitions (restore.go)
	sigs       map[string]string // signatures of the cell's functions
	assigned   []string
}

func (x *execution) errAt(off int, kind engine.Kind, msg string) error {
	line, col := off2pos(x.src, off)
	return cellError{x.e.compileError(x.cell, line, col, kind, msg)}
}

func (x *execution) run() (result []any, has bool, err error) {
	x.units = splitCell(x.src)
	x.bases = make([]int, len(x.units))
	x.done = make([]bool, len(x.units))
	x.restore = map[int]string{}
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
	for i := range x.units {
		if d, ok := x.units[i].decl.(*ast.FuncDecl); ok && d.Body == nil {
			// As Go says it, at the name (yaegi says it at func).
			return nil, false, x.errAt(x.off(i, d.Name.Pos()), engine.CompileError, "missing function body")
		}
		if ft := funcTypeValue(x.units[i].decl, x.units[i].stmt); ft != nil {
			// A func literal without its body: yaegi ran it, and
			// panicked assigning an int to a func.
			return nil, false, x.errAt(x.off(i, ft.Pos()), engine.CompileError, fmt.Sprintf(
				"%s (type) is not an expression: a func literal needs a body", collapse(x.src[x.off(i, ft.Pos()):x.off(i, ft.End())])))
		}
	}
	x.analyse()
	if err := x.failedUse(); err != nil {
		return nil, false, err
	}
	if err := x.useStd(); err != nil {
		return nil, false, err
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
	if err := x.methodHeaders(); err != nil {
		return nil, false, err
	}
	for i := range x.units {
		switch x.units[i].kind {
		case uImport, uType, uConst, uPackage:
			x.done[i] = true
			x.restoreAsWritten(i)
		}
	}
	steps := x.plan()
	x.pending = map[string]bool{}
	for _, s := range steps {
		if s.group {
			for _, i := range s.units {
				x.pending[x.defKey(i)] = true
			}
		}
	}
	last := -1
	for i := len(x.units) - 1; i >= 0; i-- {
		if x.units[i].kind == uStmt {
			last = i
			break
		}
		if x.units[i].kind != uPackage && x.units[i].kind != uImport {
			break
		}
	}
	for _, s := range steps {
		if s.group {
			if err := x.evalGroup(s.units); err != nil {
				return nil, false, err
			}
			for _, i := range s.units {
				x.restoreAsWritten(i)
			}
			continue
		}
		i := s.units[0]
		u := &x.units[i]
		x.locate(i)
		x.transient, x.reassigned = x.leavesNothing(i), false
		var err error
		switch u.kind {
		case uVar:
			err = x.varDecl(i)
		case uFunc: // init
			err = x.initFunc(i)
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
		x.done[i] = true
	}
	return result, has, nil
}

// funcTypeValue finds a func type where a value must be (f := func(int)
// error, a func literal without its body), in a unit's declaration or
// statement.
func funcTypeValue(nodes ...ast.Node) *ast.FuncType {
	var found *ast.FuncType
	check := func(es []ast.Expr) {
		for _, e := range es {
			if ft, ok := e.(*ast.FuncType); ok && found == nil {
				found = ft
			}
		}
	}
	for _, n := range nodes {
		if n == nil || reflect.ValueOf(n).IsNil() {
			continue
		}
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.AssignStmt:
				check(m.Rhs)
			case *ast.ValueSpec:
				check(m.Values)
			case *ast.ReturnStmt:
				check(m.Results)
			case *ast.CallExpr:
				if id, ok := m.Fun.(*ast.Ident); !ok || id.Name != "new" && id.Name != "make" {
					check(m.Args)
				}
			}
			return found == nil
		})
	}
	return found
}

// defKey is the key of a function or method unit in the engine's records.
func (x *execution) defKey(i int) string {
	d := x.units[i].decl.(*ast.FuncDecl)
	if x.units[i].kind == uMethod {
		return x.methodOf(i, d).key
	}
	return d.Name.Name
}

// initFunc evaluates an init function, which yaegi runs at once.
func (x *execution) initFunc(i int) error {
	u := &x.units[i]
	r := x.rewriterFor(i)
	r.run(u.decl)
	_, err := x.eval(&chunk{pieces: []piece{{u.start, u.end, r.edits}}})
	return err
}

// locate tells the engine's supervisor which line of which cell runs.
func (x *execution) locate(i int) {
	if f := x.e.opts.Locate; f != nil {
		line, _ := off2pos(x.src, x.units[i].start)
		if x.cell.count > 0 {
			f(fmt.Sprintf("In [%d] line %d", x.cell.count, line))
		} else {
			f(fmt.Sprintf("line %d", line))
		}
	}
}

// leavesNothing reports whether unit i, once evaluated, leaves no code that
// may run later: it has no function literal, go statement or declaration
// of a function.
func (x *execution) leavesNothing(i int) bool {
	u := &x.units[i]
	var root ast.Node = u.stmt
	if u.decl != nil {
		if d, ok := u.decl.(*ast.GenDecl); !ok || d.Tok != token.VAR {
			return false
		}
		root = u.decl
	}
	found := false
	ast.Inspect(root, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			found = true
		}
		return !found
	})
	return !found
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
		v, ok := x.st.symbols(p)[name]
		if !ok || !v.IsValid() || !v.CanInterface() {
			return nil, false
		}
		c, ok := v.Interface().(constant.Value)
		return c, ok && c.Kind() != constant.Unknown
	}
	r.pkgFunc = func(pkg, name string) reflect.Type {
		if x.st.globals[pkg] != nil {
			return nil
		}
		p, ok := x.st.imports[pkg]
		if !ok {
			p, ok = x.st.packages[pkg]
		}
		if v, found := x.st.symbols(p)[name]; ok && stdSymbols()[p] == nil && found && v.IsValid() && v.Kind() == reflect.Func {
			return v.Type()
		}
		return nil
	}
	r.imported = func(name, path string) bool { return x.st.imports[name] == path && x.st.globals[name] == nil }
	pkgPath := func(pkg string) (string, bool) { // of a compiled package
		if x.st.globals[pkg] != nil {
			return "", false
		}
		p, ok := x.st.imports[pkg]
		if !ok {
			p, ok = x.st.packages[pkg]
		}
		return p, ok
	}
	r.stdRename = func(pkg, name string) (string, string) {
		p, ok := pkgPath(pkg)
		if !ok {
			return "", ""
		}
		if c := complements()[p+"."+name]; c != "" {
			return c, gostd.Renamed(p, name)
		}
		if stdSymbols()[p] != nil {
			if n := gostd.Renamed(p, name); n != name {
				return "", n
			}
		}
		return "", ""
	}
	r.stdGeneric = func(pkg, name string) string {
		if p, ok := pkgPath(pkg); ok {
			if f := stdFuncs()[p+"."+name]; f.Generic {
				return f.Decl
			}
		}
		return ""
	}
	r.pkgVar = func(pkg, name string) reflect.Type {
		if p, ok := pkgPath(pkg); ok && stdSymbols()[p] == nil {
			if v := x.st.symbols(p)[name]; v.IsValid() && v.CanAddr() {
				return v.Type()
			}
		}
		return nil
	}
	r.pkgType = func(pkg, name string) reflect.Type {
		if p, ok := pkgPath(pkg); ok && stdSymbols()[p] == nil {
			if v := x.st.symbols(p)[name]; v.IsValid() && v.Kind() == reflect.Pointer && v.IsNil() {
				return v.Type().Elem()
			}
		}
		return nil
	}
	r.genericSig = func(name string) string {
		for i := range x.units {
			if d, ok := x.units[i].decl.(*ast.FuncDecl); ok && x.units[i].kind == uFunc && d.Name.Name == name {
				if d.Type.TypeParams == nil {
					return ""
				}
				return collapse(x.src[x.off(i, d.Type.Pos()):x.off(i, d.Type.End())])
			}
		}
		if g := x.st.globals[name]; g != nil && g.kind == "func" && g.generic {
			return g.sig
		}
		return ""
	}
	r.iterMethod = func(name string) int {
		arity, seen := x.st.iterMethods[name]
		for j := range x.units { // the cell's own methods, evaluated or not
			if d, ok := x.units[j].decl.(*ast.FuncDecl); ok && x.units[j].kind == uMethod && d.Name.Name == name {
				if a := x.iterArity(j, d); !seen || a == arity {
					arity, seen = a, true
				} else {
					return 0
				}
			}
		}
		return arity
	}
	if x.sigs == nil {
		x.sigs = x.cellFuncSigs()
	}
	r.funcSigs = x.sigs
	r.global = func(n string) *global { return x.st.globals[n] }
	return r
}

func (x *execution) off(i int, p token.Pos) int { return int(p) - x.bases[i] }

// eval builds and evaluates a chunk; a statement chunk of a unit that
// leaves nothing behind is transient.
func (x *execution) eval(c *chunk) (reflect.Value, error) {
	if (c.stmt || c.init) && x.transient {
		c.transient = true
	}
	c.build(x.src, x.cell)
	return x.e.evalChunk(x.ctx, x.st, c)
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
	// Statements that declare no global run in an init function (see
	// chunk.init); yaegi also gets some global code wrong in nested blocks
	// (a, b := f() leaves a undefined; x := x loops forever), which a
	// function body is safe from.
	p := piece{u.start, u.end, r.edits}
	var defined []string
	if as, ok := u.stmt.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
		defined = identNames(as.Lhs...)
		if done, err := x.typedDefine(i, as, r, -1); done {
			if err != nil {
				return nil, false, err
			}
			x.definedVars(i, defined)
			x.restoreVars(i)
			return nil, false, nil
		}
	}
	x.assigned = append(x.assigned, assignedNames(u.stmt)...)
	if es, ok := u.stmt.(*ast.ExprStmt); ok && last && producesValue(es.X) {
		wrapped := p
		s, e := x.off(i, es.X.Pos()), x.off(i, es.X.End())
		methods := x.displayMethods(es.X, x.src[s:e])
		if len(methods) > 0 {
			// A value of a cell-defined type with display methods: call
			// them here, where the interpreter knows the type (compiled
			// code cannot see methods of interpreted types). Not on a nil
			// interface, which has no methods to call (the value shows as
			// <nil>).
			// A method that panics (on a nil pointer, say) is skipped, as
			// fmt does.
			tail := "; __gopar.Result(__gopar_v); var __gopar_i any = __gopar_v; if __gopar_i != nil { func() { defer func() { recover() }();"
			for _, m := range methods {
				tail += fmt.Sprintf(" __gopar.Mime(%q, __gopar_v.%s());", displayMethods[m], m)
			}
			wrapped.edits = append(append([]edit(nil), p.edits...),
				edit{s, s, "{ __gopar_v := "}, edit{e, e, tail + " }() } }"})
		} else {
			wrapped.edits = append(append([]edit(nil), p.edits...),
				edit{s, s, "__gopar.Result("}, edit{e, e, ")"})
		}
		x.st.mu.Lock()
		x.st.result, x.st.hasResult, x.st.mimes = nil, false, nil
		x.st.mu.Unlock()
		c := &chunk{init: true, pieces: []piece{wrapped}}
		_, err := x.eval(c)
		if err == nil {
			x.st.mu.Lock()
			v, has := x.st.result, x.st.hasResult
			x.st.mu.Unlock()
			if _, call := es.X.(*ast.CallExpr); call && has && len(v) == 1 && v[0] == nil && slices.Contains(methods, "Error") {
				// A call whose only result is a nil error shows nothing,
				// as in Go REPLs: os.WriteFile(…) succeeded.
				return nil, false, nil
			}
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
	c := &chunk{init: len(defined) == 0, stmt: len(defined) > 0, pieces: []piece{p}}
	if _, err := x.eval(c); err != nil {
		return nil, false, err
	}
	if len(defined) > 0 {
		x.definedVars(i, defined)
		x.restoreVars(i)
	}
	return nil, false, nil
}
