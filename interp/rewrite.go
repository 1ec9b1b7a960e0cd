package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"reflect"
	"regexp"
	"strings"
)

// rewriter computes the source edits that give a unit Go 1.22 semantics and
// make goroutines safe, as insertions and small replacements so that line
// numbers never move:
//
//   - `go CALL` becomes `go func() { __gopar.Guard(func() { CALL }) }()`:
//     the compiled Guard recovers a panic in the goroutine and reports it to
//     the engine instead of letting it kill the process (an interpreted
//     recover would not do: yaegi skips deferred interpreted calls of
//     goroutines stopped by an interrupt). The goroutine itself is started
//     by interpreted code: a closure handed to compiled code that calls it
//     later, from another goroutine, sees the captured variables as they are
//     then, not as they were. Plain variable arguments are evaluated before
//     the goroutine starts, as Go does;
//   - loop variables declared by a for or range clause get a per-iteration
//     copy when the body may capture them (closure, go statement, &x); the
//     body goes in a block of its own, so that it may copy them again;
//   - a func literal in a loop body that is not called at once is first
//     stored in a variable (see funcLit);
//   - min and max of constants fold into the constant; otherwise they call
//     a generic stand-in, with constant arguments moved last;
//   - `for i := range n` over an integer becomes a three-clause loop.
type rewriter struct {
	src      string
	base     int // token.Pos of cell offset 0
	edits    []edit
	ints     map[string]bool           // local identifiers known to hold integers
	consts   map[string]bool           // local identifiers known to be constants
	shadowed map[string]bool           // builtins redefined by cells
	funcSigs map[string]string         // the cell's functions: name → "func name(params) results"
	global   func(name string) *global // the engine's globals (nil: none)
	counter  *int
	// pkgConst returns the value of an untyped constant of a package
	// (math.Pi), if pkg.name is one.
	pkgConst func(pkg, name string) (constant.Value, bool)
	// pkgFunc returns the type of a compiled package's function pkg.name
	// (nil if it is none).
	pkgFunc func(pkg, name string) reflect.Type
	// imported reports whether the package at path is imported as name.
	imported func(name, path string) bool
	// genericSig is the declaration of the generic function name of the
	// cells, "func F[T any](v T) T" ("" if it is none).
	genericSig func(name string) string
	// stdGeneric is the declaration of pkg.name if it is a generic
	// function of gopar's Go-source standard library ("" if not).
	stdGeneric func(pkg, name string) string
	// stdRename tells what pkg.name is in the interpreter when it is a
	// generic function or type of gopar's Go-source standard library: the
	// package (for a generic function of a compiled package: sync is
	// __gopar_sync for OnceValue) and the name (Sort__slices), each ""
	// when it stays.
	stdRename func(pkg, name string) (x, sel string)
	// pkgVar and pkgType return the type of a compiled package's variable
	// or type pkg.name (nil if it is none).
	pkgVar, pkgType func(pkg, name string) reflect.Type
	// locals are the types of the unit's local names (see collectTypes).
	locals map[string]string
	// iterMethod is the arity of the iterators that the cells' methods
	// named name return (0 if they do not).
	iterMethod func(name string) int
}

func (r *rewriter) off(p token.Pos) int { return int(p) - r.base }

// lookup is the global named n, if any.
func (r *rewriter) lookup(n string) *global {
	if r.global == nil {
		return nil
	}
	return r.global(n)
}

// isInt reports whether identifier n is known to hold an integer.
func (r *rewriter) isInt(n string) bool {
	if r.ints[n] {
		return true
	}
	g := r.lookup(n)
	return g != nil && g.typ != nil && isIntKind(g.typ.Kind())
}

// isConst reports whether identifier n is known to be a constant.
func (r *rewriter) isConst(n string) bool {
	if r.consts[n] {
		return true
	}
	g := r.lookup(n)
	return g != nil && g.kind == "const"
}

// funcSig is the signature of the function n defined by a cell ("" if
// none).
func (r *rewriter) funcSig(n string) string {
	if s, ok := r.funcSigs[n]; ok {
		return s
	}
	if g := r.lookup(n); g != nil && g.kind == "func" && !g.generic {
		return g.sig
	}
	return ""
}

func (r *rewriter) text(n ast.Node) string { return r.src[r.off(n.Pos()):r.off(n.End())] }

func (r *rewriter) fresh(prefix string) string {
	*r.counter++
	return fmt.Sprintf("__gopar_%s%d", prefix, *r.counter)
}

// run collects the edits for the subtree n.
func (r *rewriter) run(n ast.Node) {
	r.collectInts(n)
	if r.locals == nil {
		r.locals = map[string]string{}
	}
	r.collectTypes(n)
	parents := map[ast.Node]ast.Node{}
	var stack []ast.Node
	ast.Inspect(n, func(m ast.Node) bool {
		if m == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			parents[m] = stack[len(stack)-1]
		}
		stack = append(stack, m)
		switch s := m.(type) {
		case *ast.Ident:
			// main, the cell's function, is __gopar_main (not a local
			// variable named main).
			if _, decl := parents[s].(*ast.FuncDecl); s.Name == "main" && (s.Obj == nil || s.Obj.Kind == ast.Fun) && !decl {
				r.edits = append(r.edits, edit{r.off(s.Pos()), r.off(s.End()), mainVar})
			}
		case *ast.GoStmt:
			r.goStmt(s)
		case *ast.ForStmt:
			r.forStmt(s)
		case *ast.RangeStmt:
			r.rangeStmt(s, parents)
		case *ast.SelectorExpr:
			// os.Stdin reads through the frontend (input_request), like fmt.Scan.
			if x, ok := s.X.(*ast.Ident); ok && x.Name == "os" && x.Obj == nil && s.Sel.Name == "Stdin" && !r.shadowed["os"] {
				r.edits = append(r.edits, edit{r.off(s.Pos()), r.off(s.End()), "__gopar.Stdin"})
			}
			// A generic function or type of gopar's Go-source standard
			// library, by its name in the interpreter (slices.Sort is
			// slices.Sort__slices, sync.OnceValue
			// __gopar_sync.OnceValue__sync).
			if x, ok := s.X.(*ast.Ident); ok && x.Obj == nil && r.stdRename != nil {
				nx, nsel := r.stdRename(x.Name, s.Sel.Name)
				if nx != "" {
					r.edits = append(r.edits, edit{r.off(x.Pos()), r.off(x.End()), nx})
				}
				if nsel != "" {
					r.edits = append(r.edits, edit{r.off(s.Sel.Pos()), r.off(s.Sel.End()), nsel})
				}
			}
		case *ast.FuncLit:
			r.funcLit(s, parents)
		case *ast.CallExpr:
			r.typeArguments(s)
			// yaegi's print and println write to stdout; Go's write to stderr.
			// yaegi lacks Go 1.21's min, max and clear.
			if id, ok := s.Fun.(*ast.Ident); ok && id.Obj == nil && !r.shadowed[id.Name] {
				if id.Name == "min" || id.Name == "max" {
					if r.minMax(s, id.Name) {
						stack = stack[:len(stack)-1] // f(nil) is not called
						return false                 // folded into a constant
					}
				}
				if repl, ok := builtinRepl[id.Name]; ok {
					r.edits = append(r.edits, edit{r.off(id.Pos()), r.off(id.End()), repl})
				}
			}
		}
		return true
	})
}

// funcLit makes a closure created in a loop body keep the variables of its
// iteration when compiled code receives it. yaegi converts a func literal
// that is passed straight to compiled code (an argument, a field of a
// compiled struct, a conversion) with a wrapper that reads the enclosing
// frame when it is called, not when it was made: variables declared in the
// loop body (the per-iteration copies of loop variables too) then show
// their last value. A literal first stored in a variable is captured
// properly, so the literal becomes
// `func() T { __gopar_fN := LIT; return __gopar_fN }()`.
func (r *rewriter) funcLit(lit *ast.FuncLit, parents map[ast.Node]ast.Node) {
	switch p := parents[lit].(type) {
	case *ast.CallExpr:
		if p.Fun == lit {
			return // called at once
		}
	case *ast.AssignStmt, *ast.ValueSpec:
		return // stored in a variable: captured properly
	}
	// Only in a loop body of the function that makes the closure: a
	// function's frame is new at every call.
	for n, inLoop := ast.Node(lit), false; !inLoop; n = parents[n] {
		switch p := parents[n].(type) {
		case nil, *ast.FuncLit, *ast.FuncDecl:
			return
		case *ast.ForStmt:
			inLoop = p.Body == n
		case *ast.RangeStmt:
			inLoop = p.Body == n
		}
	}
	typ := r.text(lit.Type)
	if strings.ContainsAny(typ, "\n/") {
		return // keep line numbers (and comments) intact
	}
	v := r.fresh("f")
	r.edits = append(r.edits, edit{r.off(lit.Pos()), r.off(lit.Pos()), "func() " + typ + " { " + v + " := "},
		edit{r.off(lit.End()), r.off(lit.End()), "; return " + v + " }()"})
}

// builtinRepl replaces builtins that yaegi lacks or gets wrong.
var builtinRepl = map[string]string{
	"print": "__gopar.Print", "println": "__gopar.Println", "clear": "__gopar.Clear",
	"min": "__gopar_min", "max": "__gopar_max",
}

// literal returns the value of an untyped constant argument: a basic
// literal or a package's constant (math.Pi), maybe signed or parenthesised.
func (r *rewriter) literal(e ast.Expr) (constant.Value, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(e.Value, e.Kind, 0)
		return v, v.Kind() != constant.Unknown
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Obj == nil && r.pkgConst != nil && !r.shadowed[x.Name] {
			return r.pkgConst(x.Name, e.Sel.Name)
		}
	case *ast.ParenExpr:
		return r.literal(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.SUB || e.Op == token.ADD {
			if v, ok := r.literal(e.X); ok && v.Kind() != constant.String {
				return constant.UnaryOp(e.Op, v, 0), true
			}
		}
	}
	return nil, false
}

// minMax rewrites a call of the min or max builtin for the generic
// stand-in, which infers its type from its first argument. With literal
// arguments only (untyped constants), the call is folded into the constant
// it gives (untyped, as in Go). Otherwise those arguments move after the
// others (they have no side effects), so that the type comes from a typed
// argument. It reports whether the call was folded.
func (r *rewriter) minMax(c *ast.CallExpr, name string) bool {
	if len(c.Args) == 0 || c.Ellipsis.IsValid() {
		return false
	}
	vals := make([]constant.Value, len(c.Args))
	all := true
	for i, a := range c.Args {
		v, ok := r.literal(a)
		vals[i], all = v, all && ok
	}
	if all {
		best, kind := 0, vals[0].Kind()
		for i, v := range vals {
			k := v.Kind()
			if k == constant.Bool || k == constant.Complex || (k == constant.String) != (kind == constant.String) {
				return false // a type error: let the interpreter report it
			}
			if v.Kind() > kind {
				kind = v.Kind()
			}
			op := token.LSS
			if name == "max" {
				op = token.GTR
			}
			if constant.Compare(v, op, vals[best]) {
				best = i
			}
		}
		text := r.text(c.Args[best])
		if kind == constant.Float && vals[best].Kind() == constant.Int {
			text += " + 0.0" // the result is an untyped float constant
		}
		r.edits = append(r.edits, edit{r.off(c.Pos()), r.off(c.End()), "(" + text + ")"})
		return true
	}
	// Constants (literals, constants of packages and cells) after the
	// first argument that is not one.
	first := -1
	for i, v := range vals {
		if id, ok := c.Args[i].(*ast.Ident); v == nil && !(ok && r.isConst(id.Name)) {
			first = i
			break
		}
	}
	if first <= 0 {
		return false
	}
	from, to := r.off(c.Args[0].Pos()), r.off(c.Args[first].Pos())
	if strings.Contains(r.src[from:to], "\n") {
		return false // keep line numbers
	}
	var moved []string
	for _, a := range c.Args[:first] {
		moved = append(moved, r.text(a))
	}
	r.edits = append(r.edits, edit{from, to, ""}) // the literals and their commas
	end := r.off(c.Args[first].End())
	r.edits = append(r.edits, edit{end, end, ", " + strings.Join(moved, ", ")})
	return false
}

// goStmt wraps a go statement's call in a recovering closure.
func (r *rewriter) goStmt(s *ast.GoStmt) {
	var pre, names string
	for _, a := range s.Call.Args {
		if !r.hoistable(a) {
			continue
		}
		v := r.fresh("ga")
		if names != "" {
			names += ", "
			pre += ", "
		}
		names += v
		pre += r.text(a)
		r.edits = append(r.edits, edit{r.off(a.Pos()), r.off(a.End()), v})
	}
	open := "go func() { __gopar.Guard(func() { "
	if names != "" {
		open = "{ " + names + " := " + pre + "; " + open
	}
	r.edits = append(r.edits, edit{r.off(s.Pos()), r.off(s.Call.Pos()), open})
	closing := " }) }()"
	if names != "" {
		closing += " }"
	}
	r.edits = append(r.edits, edit{r.off(s.End()), r.off(s.End()), closing})
}

// hoistable reports whether a go statement's argument can be evaluated
// before the goroutine starts without changing its type: variables and
// field selections, but not constants (an untyped constant would get its
// default type).
func (r *rewriter) hoistable(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "nil", "true", "false", "iota", "_":
			return false
		}
		return !r.isConst(e.Name)
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && !r.isConst(x.Name) && x.Obj != nil // x.Obj nil: maybe a package
	}
	return false
}

func identNames(es ...ast.Expr) []string {
	var out []string
	for _, e := range es {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			out = append(out, id.Name)
		}
	}
	return out
}

var qualifiedRE = regexp.MustCompile(`\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b`)

// stdTypes writes the generic types of gopar's standard library in a type
// the rewriter inserts (iter.Seq[int]) by their names in the interpreter.
func (r *rewriter) stdTypes(t string) string {
	if r.stdRename == nil || !strings.Contains(t, ".") {
		return t
	}
	return qualifiedRE.ReplaceAllStringFunc(t, func(q string) string {
		pkg, name, _ := strings.Cut(q, ".")
		x, sel := r.stdRename(pkg, name)
		if x == "" {
			x = pkg
		}
		if sel == "" {
			sel = name
		}
		return x + "." + sel
	})
}
