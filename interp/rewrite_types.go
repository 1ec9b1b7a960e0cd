package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
)

// What the rewriter knows of the types of expressions, without a type
// checker: enough to give generic calls the type arguments yaegi cannot
// infer, and to write the parameters of the yield function of a range
// over an iterator. A type is Go source ("[]int", "map[string]Point");
// "" means unknown. It comes from what the source says (a composite
// literal, a conversion, make, a declaration, a parameter), from the
// engine's globals, and from the compiled packages' functions, whose
// types the engine sees (reflect).

// unknownType marks a local name given different types in one unit.
const unknownType = "?"

// exprType is the type of e as Go source ("" if unknown), and whether e is
// an untyped constant (its type then is the default one).
func (r *rewriter) exprType(e ast.Expr) (typ string, untyped bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return basicTypes[e.Kind], true
	case *ast.ParenExpr:
		return r.exprType(e.X)
	case *ast.Ident:
		switch e.Name {
		case "true", "false":
			if e.Obj == nil && r.lookup(e.Name) == nil {
				return "bool", true
			}
		case "nil", "_", "iota":
			return "", false
		}
		if e.Obj != nil {
			if t := r.locals[e.Name]; t != unknownType {
				return t, false
			}
			return "", false
		}
		if g := r.lookup(e.Name); g != nil && g.kind == "var" {
			return g.typeSrc, false
		}
	case *ast.FuncLit:
		return exprText(e.Type), false
	case *ast.CompositeLit:
		if e.Type != nil {
			if at, ok := e.Type.(*ast.ArrayType); ok && at.Len != nil {
				if _, ell := at.Len.(*ast.Ellipsis); ell {
					return "", false
				}
			}
			return r.text(e.Type), false
		}
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			if cl, ok := e.X.(*ast.CompositeLit); ok && cl.Type != nil {
				return "*" + r.text(cl.Type), false
			}
		}
		if e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR {
			return r.exprType(e.X)
		}
	case *ast.IndexExpr:
		t, _ := r.exprType(e.X)
		switch x := parseType(t).(type) {
		case *ast.ArrayType:
			return exprText(x.Elt), false
		case *ast.MapType:
			return exprText(x.Value), false
		}
	case *ast.SliceExpr:
		t, _ := r.exprType(e.X)
		if at, ok := parseType(t).(*ast.ArrayType); ok {
			return "[]" + exprText(at.Elt), false
		}
		if t == "string" {
			return t, false
		}
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Obj == nil && r.pkgVar != nil {
			if t := r.pkgVar(pkg.Name, e.Sel.Name); t != nil {
				return r.typeSource(t), false
			}
			if t := r.pkgFunc(pkg.Name, e.Sel.Name); t != nil { // a function value: strconv.Itoa
				return r.typeSource(t), false
			}
		}
	case *ast.CallExpr:
		return r.callType(e), false
	}
	return "", false
}

// callType is the type of a call with one result ("" if unknown).
func (r *rewriter) callType(c *ast.CallExpr) string {
	if t := r.conversionType(c.Fun); t != "" {
		return t
	}
	if id, ok := c.Fun.(*ast.Ident); ok && id.Obj == nil && r.lookup(id.Name) == nil && len(c.Args) > 0 {
		switch id.Name {
		case "make":
			return r.text(c.Args[0])
		case "new":
			return "*" + r.text(c.Args[0])
		case "len", "cap", "copy":
			return "int"
		case "append":
			t, _ := r.exprType(c.Args[0])
			return t
		}
	}
	if res := r.callResults(c); len(res) == 1 {
		return res[0]
	}
	if res, ok := r.genericResults(c); ok && len(res) == 1 {
		return res[0]
	}
	return ""
}

// conversionType is the type fun names when a call of it is a conversion
// ("" if it is no type the rewriter recognises).
func (r *rewriter) conversionType(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.ParenExpr:
		return r.conversionType(f.X)
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType:
		return r.text(f)
	case *ast.Ident:
		if f.Obj != nil {
			return ""
		}
		if g := r.lookup(f.Name); g != nil {
			if g.kind == "type" {
				return f.Name
			}
			return ""
		}
		if conversions[f.Name] || f.Name == "any" || f.Name == "error" {
			return f.Name
		}
	case *ast.SelectorExpr:
		if pkg, ok := f.X.(*ast.Ident); ok && pkg.Obj == nil && r.pkgType != nil && r.pkgType(pkg.Name, f.Sel.Name) != nil {
			return r.text(f)
		}
	}
	return ""
}

// parseType parses a type written as Go source (nil if it does not parse).
func parseType(t string) ast.Expr {
	if t == "" || t == unknownType {
		return nil
	}
	e, err := parser.ParseExpr(t)
	if err != nil {
		return nil
	}
	return e
}

// collectTypes records the types of the local names n declares, as far as
// the source tells them (see exprType).
func (r *rewriter) collectTypes(n ast.Node) {
	set := func(name, t string) {
		if name == "_" || t == "" {
			return
		}
		if old, ok := r.locals[name]; ok && old != t {
			t = unknownType
		}
		r.locals[name] = t
	}
	for range 2 { // a second pass follows chains like a := f(); b := a[0]
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.AssignStmt:
				if m.Tok != token.DEFINE {
					return true
				}
				if len(m.Lhs) == len(m.Rhs) {
					for i, l := range m.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							t, _ := r.exprType(m.Rhs[i])
							set(id.Name, t)
						}
					}
				} else if c, ok := m.Rhs[0].(*ast.CallExpr); ok && len(m.Rhs) == 1 {
					res := r.callResults(c)
					if len(res) != len(m.Lhs) {
						res, _ = r.genericResults(c)
					}
					if len(res) == len(m.Lhs) {
						for i, l := range m.Lhs {
							if id, ok := l.(*ast.Ident); ok {
								set(id.Name, res[i])
							}
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range m.Names {
					if m.Type != nil {
						set(id.Name, r.text(m.Type))
					} else if len(m.Values) == len(m.Names) {
						t, _ := r.exprType(m.Values[i])
						set(id.Name, t)
					}
				}
			case *ast.Field:
				t := ""
				if el, ok := m.Type.(*ast.Ellipsis); ok {
					t = "[]" + r.text(el.Elt)
				} else if m.Type != nil {
					t = r.text(m.Type)
				}
				for _, id := range m.Names {
					set(id.Name, t)
				}
			case *ast.RangeStmt:
				if m.Tok != token.DEFINE {
					return true
				}
				kt, vt := r.rangeTypes(m.X)
				if id, ok := m.Key.(*ast.Ident); ok {
					set(id.Name, kt)
				}
				if id, ok := m.Value.(*ast.Ident); ok {
					set(id.Name, vt)
				}
			}
			return true
		})
	}
}

// rangeTypes are the types of the key and value of a range over x.
func (r *rewriter) rangeTypes(x ast.Expr) (key, value string) {
	t, _ := r.exprType(x)
	switch e := parseType(t).(type) {
	case *ast.ArrayType:
		return "int", exprText(e.Elt)
	case *ast.MapType:
		return exprText(e.Key), exprText(e.Value)
	case *ast.ChanType:
		return exprText(e.Value), ""
	case *ast.Ident:
		if e.Name == "string" {
			return "int", "rune"
		}
	}
	if ps, ok := yieldTypes(t); ok {
		ps = append(ps, "", "")
		return ps[0], ps[1]
	}
	return "", ""
}

// yieldTypes are the parameter types of the yield function of an iterator
// of type t: func(yield func(K, V) bool), iter.Seq[V] or iter.Seq2[K, V].
func yieldTypes(t string) ([]string, bool) {
	switch e := parseType(t).(type) {
	case *ast.IndexExpr:
		if isIterType(e.X, "Seq") {
			return []string{exprText(e.Index)}, true
		}
	case *ast.IndexListExpr:
		if isIterType(e.X, "Seq2") && len(e.Indices) == 2 {
			return []string{exprText(e.Indices[0]), exprText(e.Indices[1])}, true
		}
	case *ast.FuncType:
		if e.Params == nil || len(e.Params.List) != 1 || len(e.Params.List[0].Names) > 1 || e.Results != nil {
			return nil, false
		}
		y, ok := e.Params.List[0].Type.(*ast.FuncType)
		if !ok || y.Results == nil || len(y.Results.List) != 1 || len(y.Results.List[0].Names) > 1 {
			return nil, false
		}
		if b, ok := y.Results.List[0].Type.(*ast.Ident); !ok || b.Name != "bool" {
			return nil, false
		}
		var out []string
		for _, f := range y.Params.List {
			for range max(len(f.Names), 1) {
				out = append(out, exprText(f.Type))
			}
		}
		return out, len(out) <= 2
	}
	return nil, false
}

func isIterType(x ast.Expr, name string) bool {
	sel, ok := x.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "iter" && sel.Sel.Name == name
}

// Generic calls: yaegi infers type arguments from the arguments' types
// one parameter at a time, by position, and fails or crashes when it
// cannot see them (a slice or map that compiled code made, a variadic
// parameter, a call with several results as the arguments). The rewriter
// infers them as Go would, from the types it knows, and writes them.

// genericCall is what the rewriter knows of a call of a generic function.
type genericCall struct {
	// underlying is the underlying type of a type of the cells (t if
	// unknown).
	underlying  func(t string) string
	tparams     []string
	constraints map[string]string // by type parameter: "cmp.Ordered", "any"
	bound       map[string]string
	results     []ast.Expr // the declared result types
	fun         ast.Expr   // where the type arguments go (after it)
}

// genericDecl is the declaration of the generic function a call calls
// ("" if it is none the rewriter knows): a function of the cells, or of
// gopar's Go-source standard library.
func (r *rewriter) genericDecl(c *ast.CallExpr) (decl string, std bool) {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		if f.Obj == nil && r.genericSig != nil {
			return r.genericSig(f.Name), false
		}
	case *ast.SelectorExpr:
		if pkg, ok := f.X.(*ast.Ident); ok && pkg.Obj == nil && r.stdGeneric != nil {
			return r.stdGeneric(pkg.Name, f.Sel.Name), true
		}
	}
	return "", false
}

// inferCall infers the type arguments of a call of a generic function, as
// far as the argument types it knows allow.
func (r *rewriter) inferCall(c *ast.CallExpr) (*genericCall, bool) {
	decl, _ := r.genericDecl(c)
	if decl == "" {
		return nil, false
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+decl, 0)
	if err != nil || len(f.Decls) != 1 {
		return nil, false
	}
	fd, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fd.Type.TypeParams == nil {
		return nil, false
	}
	g := &genericCall{bound: map[string]string{}, fun: c.Fun, constraints: map[string]string{}, underlying: r.cellUnderlying}
	isParam := map[string]bool{}
	for _, fl := range fd.Type.TypeParams.List {
		for _, n := range fl.Names {
			g.tparams = append(g.tparams, n.Name)
			g.constraints[n.Name] = exprText(fl.Type)
			isParam[n.Name] = true
		}
	}
	if fd.Type.Results != nil {
		for _, fl := range fd.Type.Results.List {
			for range max(len(fl.Names), 1) {
				g.results = append(g.results, fl.Type)
			}
		}
	}
	var params []ast.Expr
	variadic := false
	for _, fl := range fd.Type.Params.List {
		t := fl.Type
		if el, ok := t.(*ast.Ellipsis); ok {
			variadic, t = true, el.Elt
		}
		for range max(len(fl.Names), 1) {
			params = append(params, t)
		}
	}
	// The arguments' types, and for untyped constants their default types
	// (used only when nothing typed binds the parameter).
	var args []string
	var untyped []bool
	if len(c.Args) == 1 && len(params) > 1 {
		if inner, ok := c.Args[0].(*ast.CallExpr); ok {
			if res := r.callResults(inner); len(res) > 1 {
				args, untyped = res, make([]bool, len(res))
			}
		}
	}
	if args == nil {
		for _, a := range c.Args {
			t, u := r.exprType(a)
			args, untyped = append(args, t), append(untyped, u)
		}
	}
	defaults := map[string]string{}
	conflict := false
	var unify func(p, a ast.Expr, untyped bool)
	unify = func(p, a ast.Expr, untyped bool) {
		if conflict || a == nil {
			return
		}
		if sel, ok := a.(*ast.SelectorExpr); ok {
			// A named type of a compiled package: its structure.
			if _, structural := p.(*ast.Ident); !structural {
				a = r.underlying(sel)
				if a == nil {
					return
				}
			}
		}
		switch p := p.(type) {
		case *ast.Ident:
			if !isParam[p.Name] {
				return
			}
			t := exprText(a)
			if strings.Contains(t, "?") {
				return
			}
			if untyped {
				if _, ok := defaults[p.Name]; !ok || t == "float64" {
					defaults[p.Name] = t
				}
				return
			}
			if old, ok := g.bound[p.Name]; ok && old != t {
				conflict = true
				return
			}
			g.bound[p.Name] = t
		case *ast.StarExpr:
			if a, ok := a.(*ast.StarExpr); ok {
				unify(p.X, a.X, false)
			}
		case *ast.ArrayType:
			if a, ok := a.(*ast.ArrayType); ok && (p.Len == nil) == (a.Len == nil) {
				unify(p.Elt, a.Elt, false)
			}
		case *ast.MapType:
			if a, ok := a.(*ast.MapType); ok {
				unify(p.Key, a.Key, false)
				unify(p.Value, a.Value, false)
			}
		case *ast.ChanType:
			if a, ok := a.(*ast.ChanType); ok {
				unify(p.Value, a.Value, false)
			}
		case *ast.FuncType:
			if ps, ok := yieldTypes(exprText(a)); ok && len(ps) > 0 {
				// An iterator: iter.Seq[V] is func(func(V) bool).
				pps, _ := yieldTypes(exprText(p))
				for i := range min(len(ps), len(pps)) {
					unify(parseType(pps[i]), parseType(ps[i]), false)
				}
				return
			}
			a, ok := a.(*ast.FuncType)
			if !ok {
				return
			}
			pf, af := fieldTypes(p.Params), fieldTypes(a.Params)
			if len(pf) == len(af) {
				for i := range pf {
					unify(pf[i], af[i], false)
				}
			}
			pr, ar := fieldTypes(p.Results), fieldTypes(a.Results)
			if len(pr) == len(ar) {
				for i := range pr {
					unify(pr[i], ar[i], false)
				}
			}
		}
	}
	for i, t := range args {
		var p ast.Expr
		switch {
		case i < len(params)-1 || !variadic && i < len(params):
			p = params[i]
		case variadic && c.Ellipsis.IsValid():
			p = &ast.ArrayType{Elt: params[len(params)-1]}
		case variadic:
			p = params[len(params)-1]
		default:
			return nil, false // too many arguments: the compiler says so
		}
		unify(p, parseType(t), untyped[i])
	}
	if conflict {
		return nil, false
	}
	for n, t := range defaults {
		if _, ok := g.bound[n]; !ok {
			g.bound[n] = t
		}
	}
	return g, true
}

// complete reports whether every type parameter is bound, to a type that
// does not obviously break its constraint (yaegi crashes on explicit type
// arguments that do; inferred, it says which).
func (g *genericCall) complete() bool {
	for _, n := range g.tparams {
		t := g.bound[n]
		if t == "" || !satisfies(t, g.constraints[n]) || !satisfies(g.underlying(t), g.constraints[n]) {
			return false
		}
	}
	return true
}

// orderedTypes are the predeclared types that satisfy cmp.Ordered.
var orderedTypes = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "string": true, "byte": true, "rune": true}

// satisfies reports whether the type t may satisfy the constraint c: false
// only when it certainly does not (a predeclared or composite type).
func satisfies(t, c string) bool {
	composite := strings.ContainsAny(t[:1], "[*(") || strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "func(") ||
		strings.HasPrefix(t, "chan ") || strings.HasPrefix(t, "struct")
	switch c {
	case "cmp.Ordered":
		return !composite && (orderedTypes[t] || !predeclaredType(t))
	case "comparable":
		return !strings.HasPrefix(t, "[]") && !strings.HasPrefix(t, "map[") && !strings.HasPrefix(t, "func(")
	}
	return true
}

// predeclaredType reports whether t is a predeclared type's name.
func predeclaredType(t string) bool {
	return conversions[t] || t == "any" || t == "error" || t == "complex64" || t == "complex128"
}

// typeArgs is the explicit type argument list: "[int, string]".
func (g *genericCall) typeArgs() string {
	args := make([]string, len(g.tparams))
	for i, n := range g.tparams {
		args[i] = g.bound[n]
	}
	return "[" + strings.Join(args, ", ") + "]"
}

// resultTypes are the call's result types, with the type parameters bound
// (false if one is not).
func (g *genericCall) resultTypes() ([]string, bool) {
	out := make([]string, len(g.results))
	ok := true
	for i, t := range g.results {
		out[i] = exprText(substitute(t, func(name string) (string, bool) {
			for _, p := range g.tparams {
				if p == name {
					b := g.bound[p]
					ok = ok && b != ""
					return b, true
				}
			}
			return "", false
		}))
	}
	return out, ok
}

// substitute returns a copy of the type t with the identifiers that sub
// replaces replaced (as parsed expressions).
func substitute(t ast.Expr, sub func(string) (string, bool)) ast.Expr {
	text := exprText(t)
	var b strings.Builder
	// Identifiers are replaced in the text: exprText writes them whole.
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && isIdentByte(text[j]) {
			j++
		}
		if j > i {
			word := text[i:j]
			prevDot := i > 0 && text[i-1] == '.'
			if s, ok := sub(word); ok && !prevDot {
				b.WriteString(s)
			} else {
				b.WriteString(word)
			}
			i = j
			continue
		}
		b.WriteByte(text[i])
		i++
	}
	if e := parseType(b.String()); e != nil {
		return e
	}
	return t
}

// genericResults are the result types of a call of a generic function
// whose type arguments the rewriter infers.
func (r *rewriter) genericResults(c *ast.CallExpr) ([]string, bool) {
	g, ok := r.inferCall(c)
	if !ok {
		return nil, false
	}
	return g.resultTypes()
}

// fieldTypes lists the types of a field list, one per name.
func fieldTypes(fl *ast.FieldList) []ast.Expr {
	if fl == nil {
		return nil
	}
	var out []ast.Expr
	for _, f := range fl.List {
		for range max(len(f.Names), 1) {
			out = append(out, f.Type)
		}
	}
	return out
}

// underlying is the structure of a named type of a compiled package
// (pkg.T), as a type expression (nil if unknown).
func (r *rewriter) underlying(sel *ast.SelectorExpr) ast.Expr {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || r.pkgType == nil {
		return nil
	}
	t := r.pkgType(pkg.Name, sel.Sel.Name)
	if t == nil {
		return nil
	}
	return parseType(r.typeSource(underlyingType(t)))
}

// underlyingType is t without its name: the unnamed type of the same
// structure (for slices, maps, pointers, channels and functions).
func underlyingType(t reflect.Type) reflect.Type {
	defer func() { _ = recover() }() // a kind without an unnamed form
	switch t.Kind() {
	case reflect.Slice:
		return reflect.SliceOf(t.Elem())
	case reflect.Map:
		return reflect.MapOf(t.Key(), t.Elem())
	case reflect.Pointer:
		return reflect.PointerTo(t.Elem())
	case reflect.Chan:
		return reflect.ChanOf(t.ChanDir(), t.Elem())
	case reflect.Func:
		in := make([]reflect.Type, t.NumIn())
		for i := range in {
			in[i] = t.In(i)
		}
		out := make([]reflect.Type, t.NumOut())
		for i := range out {
			out[i] = t.Out(i)
		}
		return reflect.FuncOf(in, out, t.IsVariadic())
	}
	return t
}

// cellUnderlying is the underlying type of t when t names a type of the
// cells ("type B bool" gives bool), else t.
func (r *rewriter) cellUnderlying(t string) string {
	g := r.lookup(t)
	if g == nil || g.kind != "type" {
		return t
	}
	def := strings.TrimPrefix(g.sig, "type "+t+" ")
	if def == g.sig || strings.HasPrefix(def, "=") || strings.HasPrefix(def, "[") {
		return t
	}
	return def
}
