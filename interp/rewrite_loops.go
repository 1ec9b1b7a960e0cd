package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// Loops: per-iteration loop variables (Go 1.22), range over an integer and
// range over an iterator function, for yaegi, which has none of them.

// capturing reports whether body may capture loop variables: it holds a
// closure, a go statement or takes an address.
func capturing(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			found = true
		case *ast.UnaryExpr:
			if m.Op == token.AND {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether body assigns to one of names.
func assigns(body ast.Node, names []string) bool {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	found := false
	check := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok && set[id.Name] {
			found = true
		}
	}
	ast.Inspect(body, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.AssignStmt:
			if m.Tok != token.DEFINE {
				for _, l := range m.Lhs {
					check(l)
				}
			}
		case *ast.IncDecStmt:
			check(m.X)
		}
		return !found
	})
	return found
}

// perIteration gives the loop variables decl (declared by a for or range
// clause) one copy per iteration: the clause's variable gets a fresh name
// (also in the nodes of header that use it) and the body starts with
// `name := fresh`. (Writing `i := i` does not work: yaegi aliases the two.)
func (r *rewriter) perIteration(decl []ast.Expr, header []ast.Node, body *ast.BlockStmt) {
	var names, fresh []string
	for _, e := range decl {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		f := r.fresh("lv")
		names, fresh = append(names, id.Name), append(fresh, f)
		r.edits = append(r.edits, edit{r.off(id.Pos()), r.off(id.End()), f})
		for _, h := range header {
			if h == nil {
				continue
			}
			ast.Inspect(h, func(m ast.Node) bool {
				if u, ok := m.(*ast.Ident); ok && u.Name == id.Name && (u.Obj == id.Obj || u.Obj == nil) {
					r.edits = append(r.edits, edit{r.off(u.Pos()), r.off(u.End()), f})
				}
				return true
			})
		}
	}
	if len(names) == 0 {
		return
	}
	// The body goes in a block of its own, so that it may declare the
	// same names (the pre-Go 1.22 idiom `i := i`).
	p, q := r.off(body.Lbrace)+1, r.off(body.Rbrace)
	r.edits = append(r.edits, edit{p, p, " " + strings.Join(names, ", ") + " := " + strings.Join(fresh, ", ") + "; {"},
		edit{q, q, "}"})
}

func (r *rewriter) forStmt(s *ast.ForStmt) {
	as, ok := s.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || !capturing(s.Body) {
		return
	}
	if assigns(s.Body, identNames(as.Lhs...)) {
		return // keep the shared variable: the body steers the loop
	}
	r.perIteration(as.Lhs, []ast.Node{s.Cond, s.Post}, s.Body)
}

func (r *rewriter) rangeStmt(s *ast.RangeStmt, parents map[ast.Node]ast.Node) {
	if s.Value == nil && r.intish(s.X) {
		r.rangeInt(s, parents[s])
		return
	}
	if r.rangeFunc(s, parents) {
		return
	}
	if s.Tok == token.DEFINE && capturing(s.Body) {
		r.perIteration([]ast.Expr{s.Key, s.Value}, nil, s.Body)
	}
}

// rangeInt rewrites `for i := range n` into a three-clause loop that
// evaluates n once and gives i the type of n.
func (r *rewriter) rangeInt(s *ast.RangeStmt, parent ast.Node) {
	k, user := r.fresh("i"), ""
	if id, ok := s.Key.(*ast.Ident); ok && id.Name != "_" {
		user = id.Name
	}
	op := ":="
	if s.Tok == token.ASSIGN {
		op = "="
		if user == "" {
			return // `for x.f = range n`: left as written
		}
		k = user
	}
	if _, labeled := parent.(*ast.LabeledStmt); labeled {
		if !pure(s.X) {
			return
		}
		x := "(" + r.text(s.X) + ")"
		r.edits = append(r.edits, edit{r.off(s.For), r.off(s.Body.Lbrace),
			fmt.Sprintf("for %s %s %s-%s; %s < %s; %s++ ", k, op, x, x, k, x, k)})
	} else {
		n := r.fresh("n")
		r.edits = append(r.edits,
			edit{r.off(s.For), r.off(s.X.Pos()), "{ " + n + " := "},
			edit{r.off(s.X.End()), r.off(s.Body.Lbrace),
				fmt.Sprintf("; for %s %s %s-%s; %s < %s; %s++ ", k, op, n, n, k, n, k)},
			edit{r.off(s.Body.Rbrace) + 1, r.off(s.Body.Rbrace) + 1, " }"})
	}
	if s.Tok == token.DEFINE && user != "" {
		p, q := r.off(s.Body.Lbrace)+1, r.off(s.Body.Rbrace)
		r.edits = append(r.edits, edit{p, p, " " + user + " := " + k + "; {"}, edit{q, q, "}"})
	}
}

// pure reports whether evaluating e twice is harmless.
func pure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		return pure(e.X)
	case *ast.ParenExpr:
		return pure(e.X)
	case *ast.BinaryExpr:
		return pure(e.X) && pure(e.Y)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && pure(e.X)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap") && len(e.Args) == 1 {
			return pure(e.Args[0])
		}
	}
	return false
}

var intTypes = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true}

// intish reports whether e is (by a syntactic guess, helped by the types of
// known globals) an integer: range over it is a counting loop.
func (r *rewriter) intish(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.Ident:
		return r.isInt(e.Name)
	case *ast.ParenExpr:
		return r.intish(e.X)
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR) && r.intish(e.X)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.SHL, token.SHR,
			token.AND, token.OR, token.XOR, token.AND_NOT:
			return r.intish(e.X) || r.intish(e.Y)
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap" || intTypes[id.Name]
		}
	}
	return false
}

// collectInts records identifiers of n declared with an integer type or
// initialised from an integer expression.
func (r *rewriter) collectInts(n ast.Node) {
	for range 2 { // a second pass catches chains like a := 3; b := a*2
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.AssignStmt:
				if m.Tok == token.DEFINE && len(m.Lhs) == len(m.Rhs) {
					for i, l := range m.Lhs {
						if id, ok := l.(*ast.Ident); ok && r.intish(m.Rhs[i]) {
							r.ints[id.Name] = true
						}
					}
				}
			case *ast.ValueSpec:
				isInt := false
				if t, ok := m.Type.(*ast.Ident); ok && intTypes[t.Name] {
					isInt = true
				}
				for i, id := range m.Names {
					if isInt || (m.Type == nil && i < len(m.Values) && r.intish(m.Values[i])) {
						r.ints[id.Name] = true
					}
				}
			case *ast.Field:
				if t, ok := m.Type.(*ast.Ident); ok && intTypes[t.Name] {
					for _, id := range m.Names {
						r.ints[id.Name] = true
					}
				}
			}
			return true
		})
	}
}

// isIntKind reports whether k is an integer kind.
func isIntKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uintptr
}

// yieldParams returns the parameter types of the yield function that X, a
// range expression, takes: X names a cell function `func(yield func(K, V)
// bool)`, or calls a cell function that returns one.
func (r *rewriter) yieldParams(x ast.Expr) ([]string, bool) {
	var sig string
	call := false
	switch e := x.(type) {
	case *ast.Ident:
		sig = r.funcSig(e.Name)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			sig, call = r.funcSig(id.Name), true
		}
	}
	if sig == "" {
		return nil, false
	}
	sig = "func" + sig[strings.Index(sig, "("):] // drop the name
	fe, err := parser.ParseExpr(sig)
	if err != nil {
		return nil, false
	}
	ft, ok := fe.(*ast.FuncType)
	if !ok {
		return nil, false
	}
	fields := ft.Params
	if call {
		fields = ft.Results
	}
	if fields == nil || len(fields.List) != 1 || len(fields.List[0].Names) > 1 {
		return nil, false
	}
	iter := fields.List[0].Type.(ast.Expr)
	if call {
		it, ok := iter.(*ast.FuncType)
		if !ok || it.Params == nil || len(it.Params.List) != 1 || len(it.Params.List[0].Names) > 1 {
			return nil, false
		}
		iter = it.Params.List[0].Type
	}
	yt, ok := iter.(*ast.FuncType)
	if !ok || yt.Results == nil || len(yt.Results.List) != 1 {
		return nil, false
	}
	if b, ok := yt.Results.List[0].Type.(*ast.Ident); !ok || b.Name != "bool" {
		return nil, false
	}
	var out []string
	for _, f := range yt.Params.List {
		for range max(len(f.Names), 1) {
			out = append(out, sig[f.Type.Pos()-1:f.Type.End()-1])
		}
	}
	return out, len(out) <= 2
}

// rangeDecls are the engine's helpers for a range over an iterator whose
// element types the rewriter cannot write: yaegi infers them from the
// iterator (zeroN gives variables of those types), and eachN calls the
// loop body (a closure without parameters) with the variables set.
const rangeDecls = `func __gopar_zero1[V any](seq func(func(V) bool)) (v V) { return }
func __gopar_zero2[K, V any](seq func(func(K, V) bool)) (k K, v V) { return }
func __gopar_each1[V any](seq func(func(V) bool), v *V, body func() bool) {
	seq(func(x V) bool { *v = x; return body() })
}
func __gopar_each2[K, V any](seq func(func(K, V) bool), k *K, v *V, body func() bool) {
	seq(func(x K, y V) bool { *k, *v = x, y; return body() })
}`

// iterator tells whether x, a range expression, is an iterator function
// the rewriter knows: the types of its yield function's parameters (when
// it can write them), and their number.
func (r *rewriter) iterator(x ast.Expr) (params []string, arity int, ok bool) {
	if ps, ok := r.yieldParams(x); ok {
		return ps, len(ps), true
	}
	t, _ := r.exprType(x)
	if ps, ok := yieldTypes(t); ok {
		return ps, len(ps), true
	}
	// A call of a method of the cells' types that returns an iterator
	// (lst.All()): its element types are the engine helpers' to find.
	if c, ok := x.(*ast.CallExpr); ok && r.iterMethod != nil {
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Obj != nil || r.lookup(pkg.Name) != nil {
				if n := r.iterMethod(sel.Sel.Name); n > 0 {
					return nil, n, true
				}
			}
		}
	}
	// A call of a generic iterator function whose type arguments the
	// rewriter cannot tell (slices.Values of a slice it cannot type).
	if c, ok := x.(*ast.CallExpr); ok {
		if g, ok := r.inferCall(c); ok && len(g.results) == 1 {
			if ps, ok := yieldTypes(exprText(g.results[0])); ok {
				return nil, len(ps), true
			}
		}
	}
	return nil, 0, false
}

// rangeFunc rewrites a range over an iterator function (a cell's, gopar's
// standard library's, or a value of an iterator type the rewriter can
// see) into a call with a yield closure holding the loop body: break and
// continue become return false and return true; a return sets variables
// that the code after the call returns. A body that jumps to a label
// outside it (or with goto), or defers, is left alone (yaegi then reports
// the range, which the engine explains). Without the element types, the
// closure takes none and helpers of the engine (rangeDecls) set the loop
// variables.
func (r *rewriter) rangeFunc(s *ast.RangeStmt, parents map[ast.Node]ast.Node) bool {
	if _, labeled := parents[s].(*ast.LabeledStmt); labeled {
		return false
	}
	params, arity, ok := r.iterator(s.X)
	if !ok || arity == 0 || arity > 2 || s.Value != nil && arity < 2 {
		return false
	}
	// The loop variables: declared or assigned.
	var vars []string
	for _, v := range []ast.Expr{s.Key, s.Value} {
		if v == nil {
			vars = append(vars, "_")
			continue
		}
		if s.Tok == token.DEFINE {
			id, ok := v.(*ast.Ident)
			if !ok {
				return false
			}
			vars = append(vars, id.Name)
		} else {
			vars = append(vars, r.text(v))
		}
	}
	vars = vars[:arity]
	results, named, inFunc := r.enclosingResults(s, parents)
	for i := range results {
		results[i] = r.stdTypes(results[i])
	}
	for i := range params {
		params[i] = r.stdTypes(params[i])
	}
	id := r.fresh("rf")
	ret := id + "_ret"
	var edits []edit
	okFlow, returns := true, false
	inner := map[string]bool{} // labels declared inside the body
	ast.Inspect(s.Body, func(m ast.Node) bool {
		if l, ok := m.(*ast.LabeledStmt); ok {
			inner[l.Label.Name] = true
		}
		return true
	})
	var walk func(n ast.Node, inLoop, inBreakable bool)
	walk = func(n ast.Node, inLoop, inBreakable bool) {
		ast.Inspect(n, func(m ast.Node) bool {
			if !okFlow || m == nil || m == n {
				return okFlow
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				return false // its returns are its own
			case *ast.DeferStmt:
				okFlow = false
			case *ast.ReturnStmt:
				if !inFunc {
					okFlow = false
					return false
				}
				returns = true
				set := ""
				switch {
				case len(m.Results) > 0 && named != nil:
					set = strings.Join(named, ", ") + " = " + r.exprList(m.Results) + "; "
				case len(m.Results) > 0:
					set = strings.Join(tempNames(id, len(results)), ", ") + " = " + r.exprList(m.Results) + "; "
				case named != nil:
					// A bare return of named results: they hold the values.
				}
				edits = append(edits, edit{r.off(m.Pos()), r.off(m.End()), "{ " + set + ret + " = true; return false }"})
				return false
			case *ast.RangeStmt:
				if _, _, it := r.iterator(m.X); it && hasReturn(m.Body) {
					okFlow = false // its returns would be a closure's
					return false
				}
				walk(m, true, true)
				return false
			case *ast.ForStmt:
				walk(m, true, true)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walk(m, inLoop, true)
				return false
			case *ast.BranchStmt:
				switch {
				case m.Tok == token.FALLTHROUGH:
				case m.Tok == token.GOTO || m.Label != nil && !inner[m.Label.Name]:
					okFlow = false
				case m.Label != nil:
				case m.Tok == token.CONTINUE && !inLoop:
					edits = append(edits, edit{r.off(m.Pos()), r.off(m.End()), "return true"})
				case m.Tok == token.BREAK && !inBreakable:
					edits = append(edits, edit{r.off(m.Pos()), r.off(m.End()), "return false"})
				}
			}
			return true
		})
	}
	walk(s.Body, false, false)
	if !okFlow {
		return false
	}
	pre, post := "", ""
	if returns {
		pre = "{ var " + ret + " bool; "
		if named == nil && len(results) > 0 {
			for k, t := range results {
				pre += "var " + tempNames(id, len(results))[k] + " " + t + "; "
			}
		}
		post = "; if " + ret + " { return"
		if named == nil && len(results) > 0 {
			post += " " + strings.Join(tempNames(id, len(results)), ", ")
		}
		post += " } }"
	}
	lb, rb := r.off(s.Body.Lbrace), r.off(s.Body.Rbrace)
	r.edits = append(r.edits, edits...)
	if params != nil {
		// The yield function's parameters, typed: the loop variables when
		// declared, else fresh names assigned to them.
		var ps, assigned, fresh []string
		for k, v := range vars {
			switch {
			case s.Tok == token.DEFINE || v == "_":
				ps = append(ps, v+" "+params[k])
			default:
				f := id + "_" + strconv.Itoa(k)
				ps = append(ps, f+" "+params[k])
				assigned, fresh = append(assigned, v), append(fresh, f)
			}
		}
		open := ""
		if len(assigned) > 0 {
			open = " " + strings.Join(assigned, ", ") + " = " + strings.Join(fresh, ", ") + ";"
		}
		r.edits = append(r.edits,
			edit{r.off(s.For), r.off(s.X.Pos()), pre},
			edit{r.off(s.X.End()), lb, "(func(" + strings.Join(ps, ", ") + ") bool "},
			edit{lb + 1, lb + 1, open},
			edit{rb, rb, "; return true "},
			edit{rb + 1, rb + 1, ")" + post})
		return true
	}
	// Types unknown: the engine's helpers.
	seq := id + "_seq"
	hold := []string{id + "_k", id + "_v"}[:arity]
	if arity == 1 {
		hold = []string{id + "_v"}
	}
	open := ""
	var named2, holds []string
	for k, v := range vars {
		if v != "_" {
			named2, holds = append(named2, v), append(holds, hold[k])
		}
	}
	if len(named2) > 0 {
		op := " = "
		if s.Tok == token.DEFINE {
			op = " := "
		}
		open = " " + strings.Join(named2, ", ") + op + strings.Join(holds, ", ") + "; {"
	}
	ptrs := "&" + strings.Join(hold, ", &")
	r.edits = append(r.edits,
		edit{r.off(s.For), r.off(s.X.Pos()), pre + "{ " + seq + " := "},
		edit{r.off(s.X.End()), lb, fmt.Sprintf("; var %s = __gopar_zero%d(%s); __gopar_each%d(%s, %s, func() bool ",
			strings.Join(hold, ", "), arity, seq, arity, seq, ptrs)},
		edit{lb + 1, lb + 1, open},
		edit{rb, rb, map[bool]string{true: "}; return true ", false: "; return true "}[open != ""]},
		edit{rb + 1, rb + 1, ") }" + post})
	return true
}

// tempNames are the variables that hold a function's results when a
// range body returns.
func tempNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "_r" + strconv.Itoa(i)
	}
	return out
}

// exprList is the source of a list of expressions.
func (r *rewriter) exprList(es []ast.Expr) string {
	return r.src[r.off(es[0].Pos()):r.off(es[len(es)-1].End())]
}

// hasReturn reports whether n holds a return statement outside function
// literals.
func hasReturn(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = true
		}
		return !found
	})
	return found
}

// enclosingResults are the result types of the function holding n (as
// source), their names if they are named, and whether n is in a function.
func (r *rewriter) enclosingResults(n ast.Node, parents map[ast.Node]ast.Node) (types, names []string, inFunc bool) {
	var ft *ast.FuncType
	for p := parents[n]; p != nil && ft == nil; p = parents[p] {
		switch f := p.(type) {
		case *ast.FuncDecl:
			ft = f.Type
		case *ast.FuncLit:
			ft = f.Type
		}
	}
	if ft == nil {
		return nil, nil, false
	}
	if ft.Results == nil {
		return nil, nil, true
	}
	for _, f := range ft.Results.List {
		for range max(len(f.Names), 1) {
			types = append(types, r.text(f.Type))
		}
		for _, id := range f.Names {
			names = append(names, id.Name)
		}
	}
	return types, names, true
}

// iterArity is the number of values of the iterator that the function or
// method declaration fd (unit i) returns, 0 if it returns none.
func (x *execution) iterArity(i int, fd *ast.FuncDecl) int {
	if fd.Type.Results == nil || len(fd.Type.Results.List) != 1 || len(fd.Type.Results.List[0].Names) > 1 {
		return 0
	}
	t := fd.Type.Results.List[0].Type
	ps, ok := yieldTypes(x.src[x.off(i, t.Pos()):x.off(i, t.End())])
	if !ok {
		return 0
	}
	return len(ps)
}

// noteIterMethod records that the cells' methods named name return
// iterators of arity values (0: not an iterator). Methods of one name
// that disagree are no iterator.
func (st *state) noteIterMethod(name string, arity int) {
	if old, ok := st.iterMethods[name]; ok && old != arity {
		arity = 0
	}
	st.iterMethods[name] = arity
}
