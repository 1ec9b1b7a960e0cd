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
