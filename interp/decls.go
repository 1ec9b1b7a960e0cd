package interp

import (
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"path"
	"reflect"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
)

// imports evaluates the cell's import declarations, skipping packages
// already imported under the same name.
func (x *execution) imports() error {
	for i := range x.units {
		u := &x.units[i]
		if u.kind != uImport || u.decl == nil {
			continue
		}
		for _, s := range u.decl.(*ast.GenDecl).Specs {
			spec := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(spec.Path.Value)
			name := ""
			if spec.Name != nil {
				name = spec.Name.Name
			}
			if err := x.importPkg(name, p, x.off(i, spec.Pos())); err != nil {
				return err
			}
		}
	}
	return nil
}

// pkgName is the name a package is known by in cells.
func (x *execution) pkgName(p string) string {
	for n, q := range x.st.packages {
		if q == p {
			return n
		}
	}
	base := path.Base(p)
	if strings.HasPrefix(base, "v") && len(base) > 1 && base[1] >= '0' && base[1] <= '9' {
		base = path.Base(path.Dir(p))
	}
	return base
}

func (x *execution) importPkg(name, p string, off int) error {
	if name == "_" {
		return nil // symbols are preloaded; nothing to initialise
	}
	if name == "" {
		name = x.pkgName(p)
	}
	if old, ok := x.st.imports[name]; ok {
		if old == p {
			return nil
		}
		return x.errAt(off, engine.ImportError, fmt.Sprintf("%s is already imported as %q: import %q under another name (import x%s %q), or %%reset", name, old, p, name, p))
	}
	text := fmt.Sprintf("import %s %q", name, p)
	cr := x.st.newCell(text, x.cell.count)
	c := &chunk{pieces: []piece{{0, len(text), nil}}}
	c.build(text, cr)
	if _, err := x.e.evalChunk(x.ctx, x.st, c); err != nil {
		return x.errAt(off, engine.ImportError, fmt.Sprintf("cannot import %q: not available in gopar (only the standard library, parlib, display, gonum/plot and gonum/mat are preloaded)", p))
	}
	x.st.imports[name] = p
	return nil
}

// autoImports imports the packages the cell uses without importing them.
func (x *execution) autoImports() error {
	declared := map[string]bool{}
	for i := range x.units {
		for _, n := range x.unitNames(i) {
			declared[n] = true
		}
	}
	for i := range x.units {
		u := &x.units[i]
		var root ast.Node = u.stmt
		if u.decl != nil {
			root = u.decl
		}
		if root == nil || u.kind == uImport {
			continue
		}
		var err error
		ast.Inspect(root, func(n ast.Node) bool {
			if err != nil {
				return false
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok || id.Obj != nil || declared[id.Name] {
				return true
			}
			if _, ok := x.st.imports[id.Name]; ok {
				return true
			}
			if g := x.st.globals[id.Name]; g != nil {
				return true
			}
			if p, ok := x.st.packages[id.Name]; ok {
				err = x.importPkg(id.Name, p, x.off(i, id.Pos()))
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// unitNames are the top-level names unit i declares.
func (x *execution) unitNames(i int) []string {
	u := &x.units[i]
	switch d := u.decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return []string{d.Name.Name}
		}
	case *ast.GenDecl:
		var out []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			}
		}
		return out
	}
	if as, ok := u.stmt.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
		return identNames(as.Lhs...)
	}
	return nil
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// typesAndConsts evaluates the cell's type and const declarations in one
// file-mode chunk, so they may refer to each other in any order. A type
// already defined identically is skipped; one defined differently is an
// error, as yaegi would silently keep the old one.
func (x *execution) typesAndConsts() error {
	c := &chunk{}
	type rec struct {
		name, def string
		i         int
	}
	var newTypes []rec
	var consts []string
	var constSigs = map[string]string{}
	for i := range x.units {
		u := &x.units[i]
		if u.kind != uType && u.kind != uConst {
			continue
		}
		d := u.decl.(*ast.GenDecl)
		if u.kind == uConst {
			r := x.rewriterFor(i)
			c.pieces = append(c.pieces, piece{u.start, u.end, nil})
			for _, s := range d.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					consts = append(consts, n.Name)
					constSigs[n.Name] = "const " + collapse(r.text(s))
				}
			}
			continue
		}
		var keep []ast.Spec
		for _, s := range d.Specs {
			ts := s.(*ast.TypeSpec)
			def := x.typeDef(i, ts)
			if old, ok := x.st.types[ts.Name.Name]; ok {
				if old == def {
					continue
				}
				return x.errAt(x.off(i, ts.Pos()), engine.CompileError, fmt.Sprintf(
					"type %s is already defined with a different shape, and the interpreter cannot change a type: run %%reset (or give the new type another name)", ts.Name.Name))
			}
			keep = append(keep, s)
			newTypes = append(newTypes, rec{ts.Name.Name, def, i})
		}
		switch {
		case len(keep) == len(d.Specs):
			c.pieces = append(c.pieces, piece{u.start, u.end, nil})
		case len(keep) > 0: // a group with some new types
			c.pieces = append(c.pieces, piece{u.start, x.off(i, d.Lparen) + 1, nil})
			for _, s := range keep {
				c.pieces = append(c.pieces, piece{x.off(i, s.Pos()), x.off(i, s.End()), nil})
			}
			c.pieces = append(c.pieces, piece{x.off(i, d.Rparen), x.off(i, d.Rparen) + 1, nil})
		}
	}
	if len(c.pieces) == 0 {
		return nil
	}
	if _, err := x.eval(c); err != nil {
		return err
	}
	for _, t := range newTypes {
		x.st.types[t.name] = t.def
		x.st.globals[t.name] = &global{name: t.name, kind: "type", sig: "type " + t.def, doc: x.units[t.i].doc, cell: x.cell}
	}
	for _, n := range consts {
		old := x.st.globals[n]
		x.st.globals[n] = &global{name: n, kind: "const", sig: constSigs[n], cell: x.cell, typ: x.typeOf(n)}
		if old != nil {
			x.redeclared([]string{n})
		}
	}
	return nil
}

// typeDef is a type spec's definition without comments or layout, to tell
// whether a type is defined again identically.
func (x *execution) typeDef(i int, ts *ast.TypeSpec) string {
	text := x.src[x.off(i, ts.Pos()):x.off(i, ts.End())]
	var s scanner.Scanner
	f := token.NewFileSet().AddFile("", -1, len(text))
	s.Init(f, []byte(text), nil, 0) // comments skipped
	var toks []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON {
			lit = ";"
		}
		if lit == "" {
			lit = tok.String()
		}
		if (lit == "}" || lit == ")") && len(toks) > 0 && toks[len(toks)-1] == ";" {
			toks = toks[:len(toks)-1] // "A int }" and "A int\n}" are the same
		}
		toks = append(toks, lit)
	}
	return strings.Join(toks, " ")
}

// typeOf is the dynamic type of a global's value (nil if unknown).
func (x *execution) typeOf(name string) reflect.Type {
	v, err := x.e.evalText(x.ctx, x.st, name)
	if err != nil || !v.IsValid() {
		return nil
	}
	return v.Type()
}

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

// varDecl evaluates a top-level var declaration.
func (x *execution) varDecl(i int) error {
	u := &x.units[i]
	r := x.rewriterFor(i)
	r.run(u.decl)
	if as, ok := x.untypedVar(i); ok {
		// var a = RHS: typed as a := RHS is (see typedDefine).
		if done, err := x.typedDefine(i, as, r, u.start); done {
			if err != nil {
				return err
			}
			x.defined(x.unitNames(i), "var", u)
			return nil
		}
	}
	// Statement mode: yaegi's file-mode analysis of global initialisers
	// mistakes method parameters for globals of the same name.
	if _, err := x.eval(&chunk{stmt: true, pieces: []piece{{u.start, u.end, r.edits}}}); err != nil {
		return err
	}
	x.defined(x.unitNames(i), "var", u)
	return nil
}

// untypedVar returns `var a, b = RHS` (one spec, no type) as the assignment
// a, b = RHS, with TokPos at its "=".
func (x *execution) untypedVar(i int) (*ast.AssignStmt, bool) {
	d, ok := x.units[i].decl.(*ast.GenDecl)
	if !ok || d.Lparen.IsValid() || len(d.Specs) != 1 {
		return nil, false
	}
	vs := d.Specs[0].(*ast.ValueSpec)
	if vs.Type != nil || len(vs.Values) == 0 {
		return nil, false
	}
	from, to := x.off(i, vs.Names[len(vs.Names)-1].End()), x.off(i, vs.Values[0].Pos())
	eq := strings.IndexByte(x.src[from:to], '=')
	if eq < 0 {
		return nil, false
	}
	as := &ast.AssignStmt{Tok: token.DEFINE, TokPos: token.Pos(x.bases[i] + from + eq), Rhs: vs.Values}
	for _, n := range vs.Names {
		as.Lhs = append(as.Lhs, n)
	}
	return as, true
}

// defined records global variables a unit declared.
func (x *execution) defined(names []string, kind string, u *unit) {
	var re []string
	for _, n := range names {
		if n == "_" {
			continue
		}
		if x.st.globals[n] != nil {
			re = append(re, n)
		}
		g := &global{name: n, kind: kind, cell: x.cell, typ: x.typeOf(n)}
		if u != nil {
			g.doc = u.doc
		}
		if g.typ != nil {
			g.sig = "var " + n + " " + g.typ.String()
		}
		x.st.globals[n] = g
	}
	if len(re) > 0 {
		x.redeclared(re)
	}
}

// redeclared re-evaluates the bodies of functions and methods that use
// names which now denote new variables: yaegi binds a name when it compiles
// a body, so they would otherwise keep using the old ones.
func (x *execution) redeclared(names []string) {
	all := make([]*global, 0, len(x.st.globals)+len(x.st.methods))
	for _, g := range x.st.globals {
		all = append(all, g)
	}
	for _, g := range x.st.methods {
		all = append(all, g)
	}
	for _, g := range all {
		if g.assign == nil {
			continue
		}
		uses := false
		for _, n := range names {
			if g.refs[n] && g.name != n {
				uses = true
			}
		}
		if !uses {
			continue
		}
		if _, err := x.e.evalChunk(x.ctx, x.st, g.assign); err != nil {
			if out := x.e.cap.output(); out != nil {
				out.Stream("stderr", fmt.Sprintf("note: %s uses %s, which was redefined, and no longer compiles (it keeps the old definition): %v\n",
					g.name, strings.Join(names, ", "), err))
			}
		}
	}
}

// identSet is the set of identifiers used in n.
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

// addDef records where a function is defined.
func (x *execution) addDef(u *unit, name string) {
	l0, _ := off2pos(x.src, u.start)
	l1, _ := off2pos(x.src, u.end)
	x.st.mu.Lock()
	x.st.defs = append(x.st.defs, funcDef{x.cell, l0, l1, name})
	x.st.mu.Unlock()
}
