package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
)

// What a cell defined, for a restart (engine.ExecuteResult.Restore and
// Variables), and what a failed cell failed to define (st.failed).
//
// A cell's Restore is its source with everything but its definitions
// blanked, line for line, so that a replay goes through the same pipeline
// and gives the same line numbers: imports, types, constants, functions
// and methods as written (with the comment lines right above them), and
// each variable declared with its type and no initialiser (var x T), at
// the line of the statement or declaration that defined it.

// restoreAsWritten records that unit i restores as written.
func (x *execution) restoreAsWritten(i int) {
	if x.units[i].kind != uPackage {
		x.restore[i] = ""
	}
}

// restoreVars records the zero-value declarations that restore the
// variables unit i defined (a var declaration or a := statement).
func (x *execution) restoreVars(i int) {
	var decls []string
	for _, n := range x.unitNames(i) {
		if g := x.st.globals[n]; n != "_" && g != nil && g.typeSrc != "" {
			decls = append(decls, "var "+n+" "+g.typeSrc)
		}
	}
	if len(decls) > 0 {
		x.restore[i] = strings.Join(decls, "; ")
	}
}

// basicTypes are the default types of untyped constants by literal kind.
var basicTypes = map[token.Token]string{token.INT: "int", token.FLOAT: "float64", token.IMAG: "complex128",
	token.CHAR: "rune", token.STRING: "string"}

// conversions are the predeclared types a conversion T(x) may name.
var conversions = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "complex64": true, "complex128": true, "string": true,
	"byte": true, "rune": true, "bool": true}

// varType is the type of variable name, which unit i defined, as Go
// source: as written in the declaration, or told by the initialiser's
// syntax (a literal, a composite literal, make, new, a conversion), or
// else asked of the interpreter. It is "" when it cannot be told.
func (x *execution) varType(i int, name string) string {
	text := func(n ast.Node) string { return x.src[x.off(i, n.Pos()):x.off(i, n.End())] }
	var value ast.Expr
	switch d := x.units[i].decl.(type) {
	case *ast.GenDecl:
		for _, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			for k, n := range vs.Names {
				if n.Name != name {
					continue
				}
				if vs.Type != nil {
					return text(vs.Type)
				}
				if len(vs.Values) == len(vs.Names) {
					value = vs.Values[k]
				}
			}
		}
	default:
		if as, ok := x.units[i].stmt.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for k, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					value = as.Rhs[k]
				}
			}
		}
	}
	if t := x.syntacticType(value, text); t != "" {
		return t
	}
	return x.probeVarType(name)
}

// syntacticType is the type of an expression when its syntax tells it.
func (x *execution) syntacticType(e ast.Expr, text func(ast.Node) string) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		return basicTypes[e.Kind]
	case *ast.ParenExpr:
		return x.syntacticType(e.X, text)
	case *ast.CompositeLit:
		if e.Type != nil {
			return text(e.Type)
		}
	case *ast.UnaryExpr:
		if cl, ok := e.X.(*ast.CompositeLit); ok && e.Op == token.AND && cl.Type != nil {
			return "*" + text(cl.Type)
		}
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok || id.Obj != nil || x.st.globals[id.Name] != nil || len(e.Args) == 0 {
			return ""
		}
		switch {
		case id.Name == "make":
			return text(e.Args[0])
		case id.Name == "new":
			return "*" + text(e.Args[0])
		case conversions[id.Name] && len(e.Args) == 1:
			return id.Name
		}
	}
	return ""
}

var probeVarRE = regexp.MustCompile(`cannot use type (.+) as type struct \{ ?__gopar_probe int ?\}`)

// probeVarType asks the interpreter for a global variable's type, as Go
// source, by compiling (not running) an assignment of it that fails.
func (x *execution) probeVarType(name string) string {
	msg := x.st.compileProbe(";_ = func() { var _ struct{ __gopar_probe int } = " + name + " }")
	m := probeVarRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	t := mainQualRE.ReplaceAllString(m[1], "")
	if strings.Contains(t, "struct {") || strings.Contains(t, "interface {") {
		return "" // maybe an instance of a generic type, which yaegi names by its underlying type
	}
	return t
}

// restoreText is the cell's Restore: its source with everything but its
// definitions blanked, line for line ("" when it defined nothing).
func (x *execution) restoreText() string {
	lines := strings.Split(x.src, "\n")
	frags := make([][]string, len(lines))
	put := func(line int, s string) {
		if strings.TrimSpace(s) != "" {
			frags[line-1] = append(frags[line-1], s)
		}
	}
	var idx []int
	for i := range x.restore {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	any := false
	for _, i := range idx {
		u := &x.units[i]
		l0, _ := off2pos(x.src, u.start)
		if r := x.restore[i]; r != "" {
			put(l0, r)
			any = true
			continue
		}
		// As written, with the comment lines right above it.
		for l := l0 - 1; l >= 1 && strings.HasPrefix(strings.TrimSpace(lines[l-1]), "//") && len(frags[l-1]) == 0; l-- {
			frags[l-1] = []string{lines[l-1]}
		}
		for k, s := range strings.Split(x.src[u.start:u.end], "\n") {
			put(l0+k, s)
		}
		any = true
	}
	if !any {
		return ""
	}
	out := make([]string, len(lines))
	for k, f := range frags {
		out[k] = strings.Join(f, "; ")
	}
	return strings.Join(out, "\n")
}

// variables lists the global variables the cell defined or assigned.
func (x *execution) variables() []string {
	set := map[string]bool{}
	for i := range x.units {
		if !x.done[i] {
			continue
		}
		if k := x.units[i].kind; k == uVar || k == uStmt {
			for _, n := range x.unitNames(i) {
				if n != "_" {
					set[n] = true
				}
			}
		}
	}
	for _, n := range x.assigned {
		if g := x.st.globals[n]; g != nil && g.kind == "var" {
			set[n] = true
		}
	}
	if len(set) == 0 {
		return nil
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// failedNames records, when the cell fails, the names its units that did
// not run would have defined and that have no definition: using them later
// says the cell failed (failedUse).
func (x *execution) failedNames() {
	for i := range x.units {
		if i < len(x.done) && x.done[i] {
			continue
		}
		for _, n := range x.unitNames(i) {
			if n != "_" && x.st.globals[n] == nil {
				x.st.failed[n] = x.cell
			}
		}
	}
}

// failedUse refuses a cell that uses a name whose defining cell failed
// (and that the cell does not define itself): yaegi's symbol of it may be
// broken or missing, and its own error would not say why.
func (x *execution) failedUse() error {
	if len(x.st.failed) == 0 {
		return nil
	}
	defines := map[string]bool{}
	for i := range x.units {
		for _, n := range x.unitNames(i) {
			defines[n] = true
		}
	}
	for i := range x.units {
		for n := range x.info[i].uses {
			cr := x.st.failed[n]
			if cr == nil || defines[n] {
				continue
			}
			off := x.units[i].start
			var root ast.Node = x.units[i].stmt
			if x.units[i].decl != nil {
				root = x.units[i].decl
			}
			found := false
			ast.Inspect(root, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && !found && id.Name == n && id.Obj == nil {
					off, found = x.off(i, id.Pos()), true
				}
				return !found
			})
			which := "the cell that defined it"
			if cr.count > 0 {
				which = fmt.Sprintf("In [%d], which defined it,", cr.count)
			}
			return x.errAt(off, engine.CompileError, fmt.Sprintf("%s is not defined: %s failed", n, which))
		}
	}
	return nil
}
