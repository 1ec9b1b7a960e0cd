package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"reflect"
	"strconv"
	"strings"
)

// Calls of generic functions with the results of another call, f(g(...)):
// yaegi infers type arguments from the call's arguments one by one, and
// crashes when one argument stands for several ("index out of range").
// With explicit type arguments it compiles them, so the rewrite gives
// them when the signatures tell them: f's parameters matched against g's
// results (a function of a package, whose types the engine sees, or of a
// cell). Must(strconv.Atoi(s)) becomes Must[int](strconv.Atoi(s)).

// spreadTypeArgs gives f(g(...)) its type arguments, if f is a generic
// function of the cells and g's result types are known.
func (r *rewriter) spreadTypeArgs(call *ast.CallExpr) {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || id.Obj != nil || len(call.Args) != 1 || call.Ellipsis.IsValid() || r.genericSig == nil {
		return
	}
	inner, ok := call.Args[0].(*ast.CallExpr)
	if !ok {
		return
	}
	sig := r.genericSig(id.Name)
	if sig == "" {
		return
	}
	results := r.callResults(inner)
	if len(results) < 2 {
		return
	}
	targs, ok := inferSpread(sig, results)
	if !ok {
		return
	}
	r.edits = append(r.edits, edit{r.off(id.End()), r.off(id.End()), "[" + strings.Join(targs, ", ") + "]"})
}

// inferSpread matches the parameters of the generic function declared by
// sig ("func F[T any](v T, err error) T") against result types (Go source),
// and returns the type arguments, in order, when they all follow.
func inferSpread(sig string, results []string) ([]string, bool) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+sig, 0)
	if err != nil || len(f.Decls) != 1 {
		return nil, false
	}
	fd, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fd.Type.TypeParams == nil {
		return nil, false
	}
	var tparams []string
	isParam := map[string]bool{}
	for _, fl := range fd.Type.TypeParams.List {
		for _, n := range fl.Names {
			tparams = append(tparams, n.Name)
			isParam[n.Name] = true
		}
	}
	var params []ast.Expr
	for _, fl := range fd.Type.Params.List {
		if _, ok := fl.Type.(*ast.Ellipsis); ok {
			return nil, false
		}
		for range max(len(fl.Names), 1) {
			params = append(params, fl.Type)
		}
	}
	if len(params) != len(results) {
		return nil, false
	}
	bound := map[string]string{}
	var unify func(p, r ast.Expr) bool
	unify = func(p, r ast.Expr) bool {
		switch p := p.(type) {
		case *ast.Ident:
			if !isParam[p.Name] {
				return true
			}
			t := exprText(r)
			if old, ok := bound[p.Name]; ok && old != t {
				return false
			}
			bound[p.Name] = t
			return true
		case *ast.StarExpr:
			if r, ok := r.(*ast.StarExpr); ok {
				return unify(p.X, r.X)
			}
			return false
		case *ast.ArrayType:
			if r, ok := r.(*ast.ArrayType); ok && (p.Len == nil) == (r.Len == nil) {
				return unify(p.Elt, r.Elt)
			}
			return false
		case *ast.MapType:
			if r, ok := r.(*ast.MapType); ok {
				return unify(p.Key, r.Key) && unify(p.Value, r.Value)
			}
			return false
		}
		return true // a type without parameters: the compiler checks it
	}
	for i, p := range params {
		rt, err := parser.ParseExpr(results[i])
		if err != nil || !unify(p, rt) {
			return nil, false
		}
	}
	out := make([]string, len(tparams))
	for i, n := range tparams {
		if out[i] = bound[n]; out[i] == "" {
			return nil, false
		}
	}
	return out, true
}

// exprText is a type expression as Go source.
func exprText(e ast.Expr) string {
	var b strings.Builder
	var walk func(ast.Expr)
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.Ident:
			b.WriteString(e.Name)
		case *ast.SelectorExpr:
			walk(e.X)
			b.WriteString("." + e.Sel.Name)
		case *ast.StarExpr:
			b.WriteString("*")
			walk(e.X)
		case *ast.ArrayType:
			b.WriteString("[")
			if e.Len != nil {
				walk(e.Len)
			}
			b.WriteString("]")
			walk(e.Elt)
		case *ast.MapType:
			b.WriteString("map[")
			walk(e.Key)
			b.WriteString("]")
			walk(e.Value)
		case *ast.BasicLit:
			b.WriteString(e.Value)
		case *ast.InterfaceType:
			b.WriteString("any")
		default:
			b.WriteString("?")
		}
	}
	walk(e)
	return b.String()
}

// callResults are the result types of a call, as Go source, when the
// engine knows them: a function of a package, or a function of the cells.
func (r *rewriter) callResults(c *ast.CallExpr) []string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		sig := r.funcSig(fn.Name)
		if sig == "" || fn.Obj != nil {
			return nil
		}
		fe, err := parser.ParseExpr("func" + sig[strings.Index(sig, "("):])
		if err != nil {
			return nil
		}
		ft, ok := fe.(*ast.FuncType)
		if !ok || ft.Results == nil {
			return nil
		}
		var out []string
		for _, f := range ft.Results.List {
			for range max(len(f.Names), 1) {
				out = append(out, exprText(f.Type))
			}
		}
		return out
	case *ast.SelectorExpr:
		pkg, ok := fn.X.(*ast.Ident)
		if !ok || pkg.Obj != nil || r.pkgFunc == nil {
			return nil
		}
		t := r.pkgFunc(pkg.Name, fn.Sel.Name)
		if t == nil || t.Kind() != reflect.Func {
			return nil
		}
		out := make([]string, t.NumOut())
		for i := range out {
			if out[i] = r.typeSource(t.Out(i)); out[i] == "" {
				return nil
			}
		}
		return out
	}
	return nil
}

// typeSource writes a compiled type as Go source that a cell can use: its
// packages must be imported under their names ("" if it cannot be
// written).
func (r *rewriter) typeSource(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name()
		}
		if strings.Contains(t.Name(), "[") || r.imported == nil {
			return ""
		}
		name := path.Base(t.PkgPath())
		if !r.imported(name, t.PkgPath()) {
			return ""
		}
		return name + "." + t.Name()
	}
	elem := func(t reflect.Type) string { return r.typeSource(t) }
	switch t.Kind() {
	case reflect.Pointer:
		if e := elem(t.Elem()); e != "" {
			return "*" + e
		}
	case reflect.Slice:
		if e := elem(t.Elem()); e != "" {
			return "[]" + e
		}
	case reflect.Array:
		if e := elem(t.Elem()); e != "" {
			return "[" + strconv.Itoa(t.Len()) + "]" + e
		}
	case reflect.Map:
		if k, v := elem(t.Key()), elem(t.Elem()); k != "" && v != "" {
			return "map[" + k + "]" + v
		}
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any"
		}
	}
	return ""
}
