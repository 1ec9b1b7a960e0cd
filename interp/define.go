package interp

import (
	"errors"
	"go/ast"
	"regexp"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
)

// Top-level := declarations. yaegi types a global `a := RHS` with a weaker
// analysis than it uses in function bodies, so the engine asks for the
// types of RHS inside a function (probeTypes: a compile error names them)
// and declares the variables with them.

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
	if done, err := x.reassign(i, as, r, varPos); done {
		return true, err
	}
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

// reassign evaluates `a, b := RHS` (or `var a, b = RHS`) as the assignment
// `a, b = RHS`, in a function, when every name on the left is already a
// global variable of the type RHS gives it (each type is assignable to the
// other). The variables stay: nothing that uses them needs compiling again
// (and it sees the new values), and yaegi's global frame does not grow.
// done is false when the statement must declare new variables.
func (x *execution) reassign(i int, as *ast.AssignStmt, r *rewriter, varPos int) (done bool, err error) {
	for _, e := range as.Rhs {
		// A lock or an atomic value that goroutines may still use is a
		// new variable (overwriting it in use would break them).
		if cl, ok := e.(*ast.CompositeLit); ok {
			if sel, ok := cl.Type.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "sync" || pkg.Name == "atomic") {
					return false, nil
				}
			}
		}
	}
	var names []string
	for _, e := range as.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok {
			return false, nil
		}
		if id.Name == "_" {
			names = append(names, "_")
			continue
		}
		if g := x.st.globals[id.Name]; g == nil || g.kind != "var" {
			return false, nil
		}
		names = append(names, id.Name)
	}
	u := &x.units[i]
	rhs0, rhs1 := x.off(i, as.Rhs[0].Pos()), x.off(i, as.Rhs[len(as.Rhs)-1].End())
	var edits []edit
	for _, e := range r.edits {
		if e.start >= rhs0 && e.end <= rhs1 {
			edits = append(edits, e)
		}
	}
	temps := make([]string, len(names))
	var check []string
	for k, n := range names {
		temps[k] = "__gopar_a" + strconv.Itoa(k)
		if n == "_" {
			check = append(check, "_ = "+temps[k])
			continue
		}
		b := "__gopar_b" + strconv.Itoa(k)
		check = append(check, "var "+b+" = "+n, temps[k]+" = "+b, b+" = "+temps[k])
	}
	probe := &chunk{init: true, pieces: []piece{{rhs0, rhs1, append(edits,
		edit{rhs0, rhs0, strings.Join(temps, ", ") + " := "}, edit{rhs1, rhs1, "; " + strings.Join(check, "; ")})}}}
	probe.build(x.src, x.cell)
	if x.st.compileProbe(probe.text) != "" {
		return false, nil
	}
	tok := x.off(i, as.TokPos)
	tokLen := len(":=")
	edits = append([]edit(nil), r.edits...)
	if varPos >= 0 {
		tokLen = len("=")
		edits = append(edits, edit{varPos, x.off(i, as.Lhs[0].Pos()), ""})
	}
	edits = append(edits, edit{tok, tok + tokLen, "="})
	x.reassigned = true
	_, err = x.eval(&chunk{init: true, pieces: []piece{{u.start, u.end, edits}}})
	return true, err
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

// identSet is the set of identifiers used in n, resolved or not (in a var
// declaration, the parser resolves x in var x = f(x) to the x declared).
func identSet(n ast.Node) map[string]bool {
	s := map[string]bool{}
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok {
			s[id.Name] = true
		}
		return true
	})
	return s
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
				switch f := n.Fun.(type) {
				case *ast.Ident:
					g := x.st.globals[f.Name]
					if g != nil && g.generic || g == nil && (f.Name == "min" || f.Name == "max") {
						found = true
					}
				case *ast.SelectorExpr:
					found = x.isStdGeneric(f)
				}
			}
			return !found
		})
	}
	return found
}

// isStdGeneric reports whether sel names a generic function of gopar's
// Go-source standard library (slices.Values).
func (x *execution) isStdGeneric(sel *ast.SelectorExpr) bool {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Obj != nil || x.st.globals[pkg.Name] != nil {
		return false
	}
	p, ok := x.st.imports[pkg.Name]
	if !ok {
		p = x.st.packages[pkg.Name]
	}
	return stdFuncs()[p+"."+sel.Sel.Name].Generic
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
		msg := x.st.compileProbe(c.text)
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
