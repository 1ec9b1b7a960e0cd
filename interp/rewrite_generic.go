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

// Type arguments of generic calls. yaegi infers them from the arguments
// one parameter at a time, by position, and fails or crashes where Go
// does not: a call with several results as the arguments, f(g(...)),
// ("index out of range"); a variadic parameter ("undefined type"); a
// slice or map that compiled code made (a nil pointer); a type parameter
// given by an element type (S ~[]E); a result type. With explicit type
// arguments it compiles such calls, so the rewriter infers them from the
// types it knows (rewrite_types.go) and writes them:
// Must(strconv.Atoi(s)) becomes Must[int](strconv.Atoi(s)),
// slices.Concat(a, b) slices.Concat[int](a, b).

// typeArguments gives a call of a generic function of the cells or of
// gopar's standard library its type arguments, when they all follow from
// the types of its arguments.
func (r *rewriter) typeArguments(call *ast.CallExpr) {
	if r.stdTypeArgs(call) {
		return
	}
	g, ok := r.inferCall(call)
	if !ok || !g.complete() {
		return
	}
	end := r.off(g.fun.End())
	r.edits = append(r.edits, edit{end, end, r.stdTypes(g.typeArgs())})
}

// stdTypeArgs handles Go's explicit type arguments to a generic function
// of gopar's standard library (slices.Equal[[]int, int](a, b)): that
// function has Go's type parameters without the leading ones for the
// slice or map types, so those arguments are dropped. It reports whether
// the call has explicit type arguments.
func (r *rewriter) stdTypeArgs(call *ast.CallExpr) bool {
	var fun ast.Expr
	var targs []ast.Expr
	switch f := call.Fun.(type) {
	case *ast.IndexExpr:
		fun, targs = f.X, []ast.Expr{f.Index}
	case *ast.IndexListExpr:
		fun, targs = f.X, f.Indices
	default:
		return false
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok || r.stdGeneric == nil {
		return true
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Obj != nil {
		return true
	}
	decl := r.stdGeneric(pkg.Name, sel.Sel.Name)
	if decl == "" {
		return true
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+decl, 0)
	if err != nil || len(f.Decls) != 1 {
		return true
	}
	n := 0
	for _, fl := range f.Decls[0].(*ast.FuncDecl).Type.TypeParams.List {
		n += len(fl.Names)
	}
	if extra := len(targs) - n; extra > 0 {
		r.edits = append(r.edits, edit{r.off(targs[0].Pos()), r.off(targs[extra].Pos()), ""})
	}
	return true
}

// exprText is a type expression as Go source, in one line.
func exprText(e ast.Expr) string {
	var b strings.Builder
	var list func(fl *ast.FieldList, sep string)
	var walk func(ast.Expr)
	list = func(fl *ast.FieldList, sep string) {
		if fl == nil {
			return
		}
		for i, f := range fl.List {
			if i > 0 {
				b.WriteString(sep)
			}
			for j, n := range f.Names {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(n.Name)
			}
			if len(f.Names) > 0 {
				b.WriteString(" ")
			}
			walk(f.Type)
		}
	}
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case nil:
			b.WriteString("?")
		case *ast.Ident:
			b.WriteString(e.Name)
		case *ast.SelectorExpr:
			walk(e.X)
			b.WriteString("." + e.Sel.Name)
		case *ast.StarExpr:
			b.WriteString("*")
			walk(e.X)
		case *ast.ParenExpr:
			b.WriteString("(")
			walk(e.X)
			b.WriteString(")")
		case *ast.ArrayType:
			b.WriteString("[")
			if e.Len != nil {
				walk(e.Len)
			}
			b.WriteString("]")
			walk(e.Elt)
		case *ast.Ellipsis:
			b.WriteString("...")
			walk(e.Elt)
		case *ast.MapType:
			b.WriteString("map[")
			walk(e.Key)
			b.WriteString("]")
			walk(e.Value)
		case *ast.ChanType:
			switch e.Dir {
			case ast.SEND:
				b.WriteString("chan<- ")
			case ast.RECV:
				b.WriteString("<-chan ")
			default:
				b.WriteString("chan ")
			}
			walk(e.Value)
		case *ast.FuncType:
			b.WriteString("func(")
			list(e.Params, ", ")
			b.WriteString(")")
			if e.Results != nil {
				b.WriteString(" ")
				if len(e.Results.List) == 1 && len(e.Results.List[0].Names) == 0 {
					walk(e.Results.List[0].Type)
				} else {
					b.WriteString("(")
					list(e.Results, ", ")
					b.WriteString(")")
				}
			}
		case *ast.IndexExpr:
			walk(e.X)
			b.WriteString("[")
			walk(e.Index)
			b.WriteString("]")
		case *ast.IndexListExpr:
			walk(e.X)
			b.WriteString("[")
			for i, x := range e.Indices {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(x)
			}
			b.WriteString("]")
		case *ast.BasicLit:
			b.WriteString(e.Value)
		case *ast.InterfaceType:
			if e.Methods == nil || len(e.Methods.List) == 0 {
				b.WriteString("any")
			} else {
				b.WriteString("?")
			}
		case *ast.StructType:
			if e.Fields == nil || len(e.Fields.List) == 0 {
				b.WriteString("struct{}")
			} else {
				b.WriteString("?")
			}
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
		if strings.Contains(t.Name(), "[") {
			// An instance of a generic type (iter.Seq[string]): its
			// structure, which a cell can write.
			if u := underlyingType(t); u != t {
				return r.typeSource(u)
			}
			return ""
		}
		if r.imported == nil {
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
	case reflect.Chan:
		if e := elem(t.Elem()); e != "" {
			switch t.ChanDir() {
			case reflect.SendDir:
				return "chan<- " + e
			case reflect.RecvDir:
				return "<-chan " + e
			}
			return "chan " + e
		}
	case reflect.Func:
		var in, out []string
		for i := range t.NumIn() {
			p := elem(t.In(i))
			if p == "" {
				return ""
			}
			if t.IsVariadic() && i == t.NumIn()-1 {
				p = "..." + strings.TrimPrefix(p, "[]")
			}
			in = append(in, p)
		}
		for i := range t.NumOut() {
			p := elem(t.Out(i))
			if p == "" {
				return ""
			}
			out = append(out, p)
		}
		s := "func(" + strings.Join(in, ", ") + ")"
		switch len(out) {
		case 0:
		case 1:
			s += " " + out[0]
		default:
			s += " (" + strings.Join(out, ", ") + ")"
		}
		return s
	}
	return ""
}
