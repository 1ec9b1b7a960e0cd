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

	"github.com/gopar/gopar/engine"
)

// The cell pipeline. A cell is split into units (cell.go); imports are
// evaluated first (imports.go), then types and constants together, then
// the headers of functions and methods (funcs.go), then every unit in
// order: var declarations (decls.go), function and method bodies, and
// statements, each rewritten (rewrite.go) and evaluated as a chunk of its
// own (eval.go). The last statement's value is the cell's result
// (result.go).

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
		v, ok := x.st.symbols(p)[name]
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
