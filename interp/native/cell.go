package native

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"
)

// A native cell becomes a package of the plugins' module (or two, see
// cellSource): its source, on the lines it has in the cell, with a package
// clause and the imports the cell left out put in front of its first line,
// and two generated files: gopar_uses.go, which declares the names of
// other cell packages that the cell uses (aliases to theirs), and
// gopar_exports.go, which exports every top-level name of the cell to
// later cells (Gopar_name) and to the interpreter (GoparSymbols, with the
// functions wrapped to tell nativert when they run).

// cellPrefix is put in front of a cell's first line: its package clause.
const cellPrefix = "package cell; "

// cellPkgName is the package name of every cell package.
const cellPkgName = "cell"

// nativertPath is the import path of package nativert, which the
// wrappers of a cell's functions call.
var nativertPath = ownPackage + "/nativert"

// exportPrefix prefixes the names gopar_exports.go declares for later
// cells.
const exportPrefix = "Gopar_"

// Kind is what a declaration declares.
type Kind string

// The kinds of declarations of a native cell.
const (
	Func   Kind = "func"
	Type   Kind = "type"
	Const  Kind = "const"
	Var    Kind = "var"
	Method Kind = "method"
)

// Decl is a top-level declaration of a native cell.
type Decl struct {
	// Name is the declared name; for a method, "T.M".
	Name string
	// Kind is what it declares.
	Kind Kind
	// Generic is set for generic functions and types, which cannot be
	// exported to the interpreter or to other cells.
	Generic bool
	// Line is the cell line the declaration starts on.
	Line int
	// Pkg is the package of the cell that declared it, once loaded.
	Pkg *Package
}

// Scope is what a native cell can use besides its own declarations.
type Scope struct {
	// Packages maps package names to import paths, for the packages a cell
	// may use without importing them (fmt, math, parlib …).
	Packages map[string]string
	// Natives are the names earlier native cells declared (later ones
	// replace earlier ones); nil for none.
	Natives *Names
	// Progress, if not nil, is told when a build starts that takes a
	// while (the first one compiles gopar's packages for plugins).
	Progress func(msg string)
}

// Names are the names that native cells declared, the latest declaration
// of each; an engine keeps one per interpreter. The zero value is empty and
// ready to use; methods are not safe for concurrent use.
type Names struct {
	m map[string]*Decl
}

// Add records the declarations of a loaded cell package.
func (n *Names) Add(p *Package) {
	if n.m == nil {
		n.m = map[string]*Decl{}
	}
	for i := range p.Decls {
		d := &p.Decls[i]
		if d.Kind != Method && d.Name != "_" {
			n.m[d.Name] = d
		}
	}
}

// Lookup returns the latest native declaration of name, or nil.
func (n *Names) Lookup(name string) *Decl {
	if n == nil {
		return nil
	}
	return n.m[name]
}

// cellSource is a native cell prepared for compilation: one package, or
// two when the cell declares types and functions that the types do not
// need. The types (with their methods and what these use) then go in a
// package of their own, named by the hash of its source, so that changing
// the other functions and running the cell again keeps the types: values
// of them that interpreted cells hold still fit the new functions, and the
// interpreter, which cannot change a type, has nothing to change.
type cellSource struct {
	src    string // the cell as typed
	parsed string // the cell with its package clause, as parsed
	fset   *token.FileSet
	ast    *ast.File
	decls  []Decl // in source order
	units  []*unit
	parts  []*cellPart // the types' part first, when there are two
}

// cellPart is a package made of part of a cell (or all of it).
type cellPart struct {
	path   string            // import path: gopar-native/c<hash of files>
	files  map[string]string // cell.go, gopar_uses.go, gopar_exports.go
	prefix int               // bytes in front of the cell's line 1 in cell.go
	decls  []int             // indexes in cellSource.decls
}

// unit is a top-level declaration of a cell other than an import: a
// function, a method, or a const, var or type declaration (a group
// whole).
type unit struct {
	node       ast.Decl
	start, end int             // offsets in parsed, doc comment included
	names      []string        // the names it declares (none for a method)
	recv       string          // a method's receiver type
	refs       map[string]bool // the identifiers it uses
	members    map[string]bool // selector names and composite literal keys it uses
	types      bool            // a type declaration or a method
	part       int
}

// prepareCell parses a native cell and generates its package(s).
func prepareCell(src string, scope Scope) (*cellSource, error) {
	src = blankPackageClause(src)
	c := &cellSource{src: src, fset: token.NewFileSet(), parsed: cellPrefix + src}
	f, err := parser.ParseFile(c.fset, "cell.go", c.parsed, parser.ParseComments|parser.AllErrors)
	if err != nil {
		return nil, c.syntaxError(err)
	}
	c.ast = f
	c.collectDecls()
	c.collectUnits()
	if err := c.checkNatives(scope); err != nil {
		return nil, err
	}
	inTypes := c.typesPart()
	split := false
	for _, in := range inTypes {
		if in != inTypes[0] {
			split = true
		}
	}
	for _, im := range f.Imports {
		if n := importName(im); n == "." || n == "C" {
			split = false // a dot import or cgo: keep the cell whole
		}
	}
	if split {
		for i, u := range c.units {
			if !inTypes[i] {
				u.part = 1
			}
		}
		c.parts = []*cellPart{{}, {}}
	} else {
		c.parts = []*cellPart{{}}
	}
	for i := range c.decls {
		u := c.unitOf(i)
		p := c.parts[0]
		if u != nil && u.part == 1 {
			p = c.parts[1]
		}
		p.decls = append(p.decls, i)
	}
	for i := range c.parts {
		c.generate(i, scope)
	}
	return c, nil
}

// unitOf is the unit that declares decls[i] (nil for none: it cannot be).
func (c *cellSource) unitOf(i int) *unit {
	d := &c.decls[i]
	for _, u := range c.units {
		if d.Kind == Method {
			if fd, ok := u.node.(*ast.FuncDecl); ok && fd.Recv != nil && u.recv+"."+fd.Name.Name == d.Name && c.fset.Position(fd.Pos()).Line == d.Line {
				return u
			}
			continue
		}
		if slices.Contains(u.names, d.Name) {
			return u
		}
	}
	return nil
}

// collectUnits lists the cell's declarations other than imports, and what
// each uses.
func (c *cellSource) collectUnits() {
	tf := c.fset.File(c.ast.Pos())
	for _, d := range c.ast.Decls {
		u := &unit{node: d, refs: map[string]bool{}, members: map[string]bool{}}
		start := d.Pos()
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			if d.Recv != nil {
				u.recv = recvTypeName(d.Recv.List[0].Type)
				u.types = true
				u.refs[u.recv] = true
			} else {
				u.names = []string{d.Name.Name}
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			u.types = d.Tok == token.TYPE
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					u.names = append(u.names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						u.names = append(u.names, n.Name)
					}
				}
			}
		}
		u.start, u.end = tf.Offset(start), tf.Offset(d.End())
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				u.refs[n.Name] = true
			case *ast.SelectorExpr:
				u.members[n.Sel.Name] = true
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					u.members[id.Name] = true
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok {
					u.members["{}"+id.Name] = true
				}
			}
			return true
		})
		c.units = append(c.units, u)
	}
}

// checkNatives checks the cell's uses of earlier native cells' names.
func (c *cellSource) checkNatives(scope Scope) error {
	declared := map[string]bool{}
	for _, d := range c.decls {
		declared[d.Name] = true
	}
	imported := map[string]bool{}
	for _, im := range c.ast.Imports {
		imported[importName(im)] = true
	}
	var errs CompileError
	for _, id := range c.ast.Unresolved {
		name := id.Name
		d := scope.Natives.Lookup(name)
		if d == nil || declared[name] || imported[name] {
			continue
		}
		pos := c.fset.Position(id.Pos())
		line, col := cellPos(pos.Line, pos.Column, len(cellPrefix))
		switch {
		case d.Generic:
			errs.add(line, col, fmt.Sprintf("%s is a generic %s of an earlier native cell: generic declarations are not shared between native cells (declare it in this cell)", name, d.Kind))
		case d.Kind == Var:
			errs.add(line, col, fmt.Sprintf("%s is a variable of an earlier native cell: native cells share functions, types and constants, not variables (pass it as an argument, or use a function of that cell)", name))
		}
	}
	if len(errs.Errors) > 0 {
		return &errs
	}
	return nil
}

// blankPackageClause replaces a package clause the cell starts with (a
// native cell needs none) by spaces, keeping lines and columns.
func blankPackageClause(src string) string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	pos, tok, _ := s.Scan()
	if tok != token.PACKAGE {
		return src
	}
	_, tok, _ = s.Scan()
	if tok != token.IDENT {
		return src
	}
	end, _, _ := s.Scan()
	start, stop := int(pos)-1, int(end)-1
	if stop > len(src) || stop < start {
		return src
	}
	b := []byte(src)
	for i := start; i < stop; i++ {
		if b[i] != '\n' && b[i] != ';' {
			b[i] = ' '
		} else if b[i] == ';' {
			b[i] = ' '
		}
	}
	return string(b)
}

// cellPos maps a position of a cell.go whose line 1 has prefix bytes in
// front of the cell's to the cell's line and column.
func cellPos(line, col, prefix int) (int, int) {
	if line == 1 {
		col -= prefix
	}
	return line, max(col, 1)
}

// syntaxError maps parse errors to the cell's lines.
func (c *cellSource) syntaxError(err error) error {
	var el scanner.ErrorList
	var ce CompileError
	if !asErrorList(err, &el) {
		ce.add(1, 1, err.Error())
		return &ce
	}
	for _, e := range el {
		line, col := cellPos(e.Pos.Line, e.Pos.Column, len(cellPrefix))
		msg := e.Msg
		if strings.HasPrefix(msg, "expected declaration") {
			msg = "a %%native cell holds declarations only (imports, types, functions, methods, constants, variables): " + msg
		}
		ce.add(line, col, msg)
	}
	return &ce
}

func asErrorList(err error, el *scanner.ErrorList) bool {
	l, ok := err.(scanner.ErrorList)
	if ok {
		*el = l
	}
	return ok
}

// importName is the name an import declares.
func importName(im *ast.ImportSpec) string {
	if im.Name != nil {
		return im.Name.Name
	}
	p, _ := strconv.Unquote(im.Path.Value)
	return guessPackageName(p)
}

// guessPackageName is the usual name of the package at import path p: its
// last element, skipping a major version suffix (v2) and a "go-" prefix.
func guessPackageName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	base = strings.TrimPrefix(base, "go-")
	base = strings.TrimSuffix(base, ".go")
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, base)
}

// collectDecls lists the cell's top-level declarations.
func (c *cellSource) collectDecls() {
	line := func(p token.Pos) int { return c.fset.Position(p).Line }
	for _, d := range c.ast.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				recv := recvTypeName(d.Recv.List[0].Type)
				c.decls = append(c.decls, Decl{Name: recv + "." + d.Name.Name, Kind: Method, Line: line(d.Pos())})
				continue
			}
			if d.Name.Name == "init" || d.Name.Name == "_" {
				continue
			}
			c.decls = append(c.decls, Decl{Name: d.Name.Name, Kind: Func, Generic: d.Type.TypeParams != nil,
				Line: line(d.Pos())})
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					c.decls = append(c.decls, Decl{Name: s.Name.Name, Kind: Type, Generic: s.TypeParams != nil, Line: line(s.Pos())})
				case *ast.ValueSpec:
					k := Var
					if d.Tok == token.CONST {
						k = Const
					}
					for _, n := range s.Names {
						if n.Name != "_" {
							c.decls = append(c.decls, Decl{Name: n.Name, Kind: k, Line: line(n.Pos())})
						}
					}
				}
			}
		}
	}
}

// recvTypeName is the type name of a method's receiver.
func recvTypeName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return "?"
		}
	}
}

// text is the source between two positions of the parsed cell.
func (c *cellSource) text(from, to token.Pos) string {
	f := c.fset.File(from)
	return c.parsed[f.Offset(from):f.Offset(to)]
}

// CompileError is a native cell, or a package, that does not compile. Its
// positions are the cell's lines and columns.
type CompileError struct {
	// Errors are the compiler's messages at cell positions, in order.
	Errors []Pos
	// Output is what the go command wrote, for errors outside the cell.
	Output string
}

// Pos is one error message at a cell position.
type Pos struct {
	Line, Col int
	Msg       string
}

func (e *CompileError) add(line, col int, msg string) {
	e.Errors = append(e.Errors, Pos{line, col, msg})
}

func (e *CompileError) Error() string {
	if len(e.Errors) == 0 {
		return strings.TrimSpace(e.Output)
	}
	var b bytes.Buffer
	for i, p := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d:%d: %s", p.Line, p.Col, p.Msg)
	}
	return b.String()
}
