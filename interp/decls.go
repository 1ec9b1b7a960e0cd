package interp

import (
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"reflect"
	"strings"

	"github.com/gopar/gopar/engine"
)

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
	var re []string
	for _, n := range consts {
		if x.st.globals[n] != nil {
			re = append(re, n)
		}
		x.st.globals[n] = &global{name: n, kind: "const", sig: constSigs[n], cell: x.cell, typ: x.typeOf(n)}
		delete(x.st.failed, n)
	}
	for _, t := range newTypes {
		delete(x.st.failed, t.name)
	}
	if len(re) > 0 {
		x.propagate(re)
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
	for len(toks) > 0 && toks[len(toks)-1] == ";" { // the one Go inserts at the end
		toks = toks[:len(toks)-1]
	}
	return strings.Join(toks, " ")
}

// typeOf is the dynamic type of a global's value (nil if unknown).
func (x *execution) typeOf(name string) reflect.Type {
	v, err := x.st.evalQuiet(name)
	if err != nil || !v.IsValid() {
		return nil
	}
	return v.Type()
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
			x.definedVars(i, x.unitNames(i))
			x.restoreVars(i)
			return nil
		}
	}
	if vs, ok := x.typedGenericVar(i); ok {
		// var a, b T = RHS with a generic call in RHS: yaegi leaves such
		// a global nil, or crashes ("nil type"); declared first, then
		// assigned, it is right.
		decl := &chunk{stmt: true, pieces: []piece{{u.start, u.end, append(append([]edit(nil), r.edits...),
			edit{x.off(i, vs.Type.End()), u.end, ""})}}}
		if _, err := x.eval(decl); err != nil {
			return err
		}
		assign := &chunk{init: true, pieces: []piece{{u.start, u.end, append(append([]edit(nil), r.edits...),
			edit{u.start, x.off(i, vs.Names[0].Pos()), ""}, edit{x.off(i, vs.Type.Pos()), x.off(i, vs.Type.End()), ""})}}}
		if _, err := x.eval(assign); err != nil {
			return err
		}
		x.definedVars(i, x.unitNames(i))
		x.restoreVars(i)
		return nil
	}
	// Statement mode: yaegi's file-mode analysis of global initialisers
	// mistakes method parameters for globals of the same name.
	if _, err := x.eval(&chunk{stmt: true, pieces: []piece{{u.start, u.end, r.edits}}}); err != nil {
		return err
	}
	x.definedVars(i, x.unitNames(i))
	x.restoreVars(i)
	return nil
}

// typedGenericVar returns the spec of `var a, b T = RHS` (one spec) when
// RHS calls a generic function.
func (x *execution) typedGenericVar(i int) (*ast.ValueSpec, bool) {
	d, ok := x.units[i].decl.(*ast.GenDecl)
	if !ok || d.Lparen.IsValid() || len(d.Specs) != 1 {
		return nil, false
	}
	vs := d.Specs[0].(*ast.ValueSpec)
	if vs.Type == nil || len(vs.Values) == 0 || !x.weakRHS(vs.Values) {
		return nil, false
	}
	return vs, true
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

// definedVars records the global variables unit i declared, and
// evaluates again the declarations that used earlier variables of the same
// names (yaegi binds a name when it compiles a body), unless the unit only
// assigned them (see reassign).
func (x *execution) definedVars(i int, names []string) {
	u := &x.units[i]
	var re []string
	for _, n := range names {
		if n == "_" {
			continue
		}
		if g := x.st.globals[n]; x.reassigned && g != nil {
			g.cell = x.cell
			continue
		}
		if x.st.globals[n] != nil {
			re = append(re, n)
		}
		g := &global{name: n, kind: "var", cell: x.cell, typ: x.typeOf(n), typeSrc: x.varType(i, n)}
		if u.kind != uStmt {
			g.doc = u.doc
		}
		if g.typ != nil {
			g.sig = "var " + n + " " + g.typ.String()
		}
		x.st.globals[n] = g
		delete(x.st.failed, n)
	}
	if len(re) > 0 {
		x.propagate(re)
	}
}

// addDef records where a function is defined, for panic traces.
func (x *execution) addDef(u *unit, name string) {
	l0, _ := off2pos(x.src, u.start)
	l1, _ := off2pos(x.src, u.end)
	x.st.mu.Lock()
	defer x.st.mu.Unlock()
	for k, d := range x.st.defs {
		if d.cell == x.cell && d.line0 == l0 {
			x.st.defs[k] = funcDef{x.cell, l0, l1, name}
			return
		}
	}
	x.st.defs = append(x.st.defs, funcDef{x.cell, l0, l1, name})
}
