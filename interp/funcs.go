package interp

import (
	"fmt"
	"go/ast"
	"strings"

	"github.com/gopar/gopar/engine"
)

// Functions and methods are late bound: yaegi binds a call to the function
// it sees when it compiles the caller, and ignores a method's
// redefinition. A cell's function is therefore a variable holding a func
// literal, and a method forwards to such a variable, so that redefining
// either changes what earlier code calls.

// funcParts returns the header text of a func declaration (params and
// results) and whether it is generic.
func (x *execution) funcSig(i int, d *ast.FuncDecl) string {
	return collapse(x.src[x.off(i, d.Type.Params.Pos()):x.off(i, d.Type.End())])
}

// varName is the variable holding a cell's function: a variable named main
// would make yaegi call it after every evaluation.
func varName(fn string) string {
	if fn == "main" {
		return mainVar
	}
	return fn
}

const mainVar = "__gopar_main"

// lateBound tells whether a top-level func is stored in a variable, so that
// redefining it changes what earlier callers call.
func lateBound(d *ast.FuncDecl) bool {
	n := d.Name.Name
	// main too: yaegi runs a func main after every later evaluation.
	return d.Recv == nil && d.Type.TypeParams == nil && n != "init" && n != "_"
}

// funcHeaders declares, before anything else of the cell runs, the
// variables that hold the cell's functions and the methods' forwarding
// wrappers, so that bodies may refer to functions defined further down.
func (x *execution) funcHeaders() error {
	for i := range x.units {
		u := &x.units[i]
		if u.kind != uFunc && u.kind != uMethod {
			continue
		}
		d := u.decl.(*ast.FuncDecl)
		if u.kind == uMethod {
			if err := x.methodHeader(i, d); err != nil {
				return err
			}
			continue
		}
		if !lateBound(d) {
			continue
		}
		sig := x.funcSig(i, d)
		name := d.Name.Name
		if g := x.st.globals[name]; g != nil && g.kind == "func" && g.viaVar && g.sig == "func "+name+sig {
			continue // same signature: the variable is reused
		}
		// The variable's type names no parameters: yaegi confuses them with
		// globals of the same name ("variable definition loop").
		start := x.off(i, d.Type.Pos())
		text := func(n ast.Node) string { return x.src[x.off(i, n.Pos()):x.off(i, n.End())] }
		ft := "var " + varName(name) + " func(" + typesOnly(d.Type.Params, text) + ")"
		if d.Type.Results != nil {
			ft += " (" + typesOnly(d.Type.Results, text) + ")"
		}
		c := &chunk{pieces: []piece{{start, x.off(i, d.Type.End()),
			[]edit{{start, x.off(i, d.Type.End()), ft}}}}}
		if _, err := x.eval(c); err != nil {
			return err
		}
		old := x.st.globals[name]
		x.st.globals[name] = &global{name: name, kind: "func", sig: "func " + name + sig, doc: u.doc,
			viaVar: true, cell: x.cell}
		if old != nil {
			x.redeclared([]string{name})
		}
	}
	return nil
}

// funcBody evaluates a func declaration: an assignment to its variable for
// late-bound functions, the declaration itself otherwise.
func (x *execution) funcBody(i int) error {
	u := &x.units[i]
	d := u.decl.(*ast.FuncDecl)
	r := x.rewriterFor(i)
	r.run(d)
	name := d.Name.Name
	refs := identSet(d.Body)
	if !lateBound(d) {
		c := &chunk{pieces: []piece{{u.start, u.end, r.edits}}}
		if _, err := x.eval(c); err != nil {
			return err
		}
		x.addDef(u, name)
		if d.Type.TypeParams != nil {
			x.st.globals[name] = &global{name: name, kind: "func", sig: collapse(x.src[x.off(i, d.Type.Pos()):x.off(i, d.Type.End())]),
				doc: u.doc, generic: true, cell: x.cell}
		}
		return nil
	}
	start := x.off(i, d.Type.Pos())
	edits := append(r.edits, edit{start, x.off(i, d.Name.End()), varName(name) + " = func"})
	c := &chunk{stmt: true, pieces: []piece{{start, u.end, edits}}, name: name}
	if _, err := x.eval(c); err != nil {
		return err
	}
	g := x.st.globals[name]
	g.refs, g.assign, g.doc = refs, c, u.doc
	x.addDef(u, name)
	return nil
}

// method is what the engine knows to late-bind a method: yaegi ignores a
// method's redefinition, so its body lives in a variable the method calls.
type method struct {
	key, hidden     string
	recvName, recvT string
	params          string // "a int, b ...string"
	args            string // "a, b..."
	results         string
	bareType        string // the func type without parameter names
	generic         bool
}

func (x *execution) methodOf(i int, d *ast.FuncDecl) method {
	text := func(n ast.Node) string { return x.src[x.off(i, n.Pos()):x.off(i, n.End())] }
	rf := d.Recv.List[0]
	m := method{recvName: "__gopar_r", recvT: text(rf.Type)}
	if len(rf.Names) > 0 && rf.Names[0].Name != "_" {
		m.recvName = rf.Names[0].Name
	}
	t := rf.Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	tname := ""
	switch tt := t.(type) {
	case *ast.Ident:
		tname = tt.Name
	default:
		m.generic = true
	}
	m.key = tname + "." + d.Name.Name
	m.hidden = "__gopar_m_" + tname + "_" + d.Name.Name
	k := 0
	var ps, as []string
	for _, f := range d.Type.Params.List {
		names := f.Names
		if len(names) == 0 {
			names = []*ast.Ident{{Name: "_"}}
		}
		for _, n := range names {
			nm := n.Name
			if nm == "_" {
				nm = fmt.Sprintf("__gopar_p%d", k)
			}
			k++
			ps = append(ps, nm+" "+text(f.Type))
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				nm += "..."
			}
			as = append(as, nm)
		}
	}
	m.params, m.args = strings.Join(ps, ", "), strings.Join(as, ", ")
	m.bareType = "func(" + m.recvT
	if p := typesOnly(d.Type.Params, text); p != "" {
		m.bareType += ", " + p
	}
	m.bareType += ")"
	if d.Type.Results != nil {
		m.results = " " + text(d.Type.Results)
		m.bareType += " (" + typesOnly(d.Type.Results, text) + ")"
	}
	return m
}

// typesOnly lists the types of a field list, without names.
func typesOnly(fl *ast.FieldList, text func(ast.Node) string) string {
	if fl == nil {
		return ""
	}
	var out []string
	for _, f := range fl.List {
		n := max(len(f.Names), 1)
		for range n {
			out = append(out, text(f.Type))
		}
	}
	return strings.Join(out, ", ")
}

func (m method) funcType() string {
	p := m.recvName + " " + m.recvT
	if m.params != "" {
		p += ", " + m.params
	}
	return "func(" + p + ")" + m.results
}

// methodHeader declares the variable holding a method's body and the method
// forwarding to it.
func (x *execution) methodHeader(i int, d *ast.FuncDecl) error {
	u := &x.units[i]
	m := x.methodOf(i, d)
	if m.generic {
		return nil // defined as written by methodBody
	}
	sig := m.funcType()
	if g := x.st.methods[m.key]; g != nil {
		if g.sig == sig {
			return nil
		}
		return x.errAt(u.start, engine.CompileError, fmt.Sprintf(
			"method %s is already defined with another signature, and the interpreter cannot change a method's signature: run %%reset", m.key))
	}
	start, hdrEnd := x.off(i, d.Type.Pos()), x.off(i, d.Type.End())
	decl := &chunk{pieces: []piece{{start, hdrEnd, []edit{{start, hdrEnd, "var " + m.hidden + " " + m.bareType}}}}}
	if _, err := x.eval(decl); err != nil {
		return err
	}
	call := m.hidden + "(" + m.recvName
	if m.args != "" {
		call += ", " + m.args
	}
	call += ")"
	if m.results != "" {
		call = "return " + call
	}
	wrapper := fmt.Sprintf("func (%s %s) %s(%s)%s { %s }", m.recvName, m.recvT, d.Name.Name, m.params, m.results, call)
	fw := &chunk{pieces: []piece{{start, u.end, []edit{{start, u.end, wrapper}}}}}
	if _, err := x.eval(fw); err != nil {
		return err
	}
	x.st.methods[m.key] = &global{name: m.key, kind: "method", sig: sig, doc: u.doc, cell: x.cell}
	return nil
}

// methodBody assigns a method's body to its variable.
func (x *execution) methodBody(i int) error {
	u := &x.units[i]
	d := u.decl.(*ast.FuncDecl)
	r := x.rewriterFor(i)
	r.run(d)
	m := x.methodOf(i, d)
	if m.generic {
		_, err := x.eval(&chunk{pieces: []piece{{u.start, u.end, r.edits}}})
		return err
	}
	start := x.off(i, d.Type.Pos())
	edits := append(r.edits, edit{start, x.off(i, d.Body.Lbrace), m.hidden + " = " + m.funcType() + " "})
	c := &chunk{stmt: true, pieces: []piece{{start, u.end, edits}}, name: m.key}
	if _, err := x.eval(c); err != nil {
		return err
	}
	g := x.st.methods[m.key]
	g.refs, g.assign = identSet(d.Body), c
	x.addDef(u, m.key)
	return nil
}
