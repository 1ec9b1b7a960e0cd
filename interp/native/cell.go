package native

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"strconv"
	"strings"
)

// A native cell becomes a package of the plugins' module: its source, on
// the lines it has in the cell, with a package clause put in front of its
// first line, and two generated files: gopar_uses.go, which declares the
// names of earlier native cells that the cell uses (aliases to their
// packages), and gopar_exports.go, which exports every top-level name of
// the cell to later cells (Gopar_name) and to the interpreter
// (GoparSymbols).

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

	sig string // a function's signature as written: "(n int) int"
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

// cellSource is a native cell prepared for compilation.
type cellSource struct {
	src     string // the cell as typed
	parsed  string // the cell with its package clause, as parsed
	file    string // cell.go: the cell with its package clause and auto-imports on line 1
	prefix  int    // bytes put in front of the cell's line 1 (in parsed, then in file)
	decls   []Decl
	imports []*ast.ImportSpec
	uses    []*Decl // earlier native declarations the cell uses
	fset    *token.FileSet
	ast     *ast.File
	// gen are the generated files, by name.
	gen map[string]string
}

// prepareCell parses a native cell and generates its package's files.
func prepareCell(src string, scope Scope) (*cellSource, error) {
	src = blankPackageClause(src)
	c := &cellSource{src: src, fset: token.NewFileSet(), gen: map[string]string{}}
	c.prefix = len(cellPrefix)
	c.parsed = cellPrefix + src
	f, err := parser.ParseFile(c.fset, "cell.go", c.parsed, parser.ParseComments|parser.AllErrors)
	if err != nil {
		return nil, c.syntaxError(err)
	}
	c.ast = f
	c.imports = f.Imports
	c.collectDecls()

	// Packages used without an import, and names of earlier cells.
	imported := map[string]bool{}
	for _, im := range f.Imports {
		imported[importName(im)] = true
	}
	declared := map[string]bool{}
	for _, d := range c.decls {
		declared[d.Name] = true
	}
	autos := map[string]string{}
	usedNatives := map[string]*Decl{}
	var errs CompileError
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && !declared[id.Name] && !imported[id.Name] {
				if p, ok := scope.Packages[id.Name]; ok && scope.Natives.Lookup(id.Name) == nil {
					autos[id.Name] = p
					return false
				}
			}
		}
		return true
	})
	for _, id := range f.Unresolved {
		name := id.Name
		if declared[name] || imported[name] || autos[name] != "" || usedNatives[name] != nil {
			continue
		}
		d := scope.Natives.Lookup(name)
		if d == nil {
			continue // the universe, or an error the compiler reports
		}
		pos := c.fset.Position(id.Pos())
		line, col := c.cellPos(pos.Line, pos.Column)
		switch {
		case d.Generic:
			errs.add(line, col, fmt.Sprintf("%s is a generic %s of an earlier native cell: generic declarations are not shared between native cells (declare it in this cell)", name, d.Kind))
		case d.Kind == Var:
			errs.add(line, col, fmt.Sprintf("%s is a variable of an earlier native cell: native cells share functions, types and constants, not variables (pass it as an argument, or use a function of that cell)", name))
		default:
			usedNatives[name] = d
		}
	}
	if len(errs.Errors) > 0 {
		return nil, &errs
	}
	for _, n := range sortedKeys(usedNatives) {
		c.uses = append(c.uses, usedNatives[n])
	}

	// Auto-imports go on line 1, after the package clause.
	var pre strings.Builder
	pre.WriteString(cellPrefix)
	if len(autos) > 0 {
		pre.WriteString("import (")
		for _, n := range sortedKeys(autos) {
			fmt.Fprintf(&pre, "%s %q; ", n, autos[n])
		}
		pre.WriteString("); ")
	}
	c.prefix = pre.Len()
	c.file = pre.String() + src
	c.gen["gopar_uses.go"] = c.usesFile()
	c.gen["gopar_exports.go"] = c.exportsFile()
	return c, nil
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

// cellPos maps a position of cell.go to the cell's line and column.
func (c *cellSource) cellPos(line, col int) (int, int) {
	if line == 1 {
		col -= c.prefix
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
		line, col := c.cellPos(e.Pos.Line, e.Pos.Column)
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
				Line: line(d.Pos()), sig: c.text(d.Type.Params.Pos(), d.Type.End())})
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

// usesFile declares the earlier native names the cell uses.
func (c *cellSource) usesFile() string {
	var b strings.Builder
	b.WriteString("// Code generated by gopar for a native cell. DO NOT EDIT.\n\npackage " + cellPkgName + "\n")
	if len(c.uses) == 0 {
		return b.String()
	}
	pkgs := map[string]string{}
	for _, d := range c.uses {
		pkgs[d.Pkg.Path] = "gopar_" + path.Base(d.Pkg.Path)
	}
	b.WriteString("\nimport (\n")
	for _, p := range sortedKeys(pkgs) {
		fmt.Fprintf(&b, "\t%s %q\n", pkgs[p], p)
	}
	b.WriteString(")\n\n")
	for _, d := range c.uses {
		q := pkgs[d.Pkg.Path] + "." + exportPrefix + d.Name
		switch d.Kind {
		case Type:
			fmt.Fprintf(&b, "type %s = %s\n", d.Name, q)
		case Const:
			fmt.Fprintf(&b, "const %s = %s\n", d.Name, q)
		case Func:
			fmt.Fprintf(&b, "var %s = %s\n", d.Name, q)
		}
	}
	return b.String()
}

// exportsFile exports the cell's names to later cells and its API to the
// interpreter.
func (c *cellSource) exportsFile() string {
	var b strings.Builder
	b.WriteString("// Code generated by gopar for a native cell. DO NOT EDIT.\n\npackage " + cellPkgName + "\n\n")
	fmt.Fprintf(&b, "import (\n\t\"reflect\"\n\n\tgopar_nativert %q\n)\n\nvar _ = gopar_nativert.Enter\n\n", nativertPath)
	var syms []string
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range c.ast.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Recv == nil {
			funcs[f.Name.Name] = f
		}
	}
	for _, d := range c.decls {
		if d.Generic || d.Kind == Method {
			continue
		}
		e := exportPrefix + d.Name
		switch d.Kind {
		case Func:
			// The interpreter calls a wrapper that tells nativert the call
			// runs, for the engine to see compiled code that ignores an
			// interrupt.
			fmt.Fprintf(&b, "var %s = %s\n", e, d.Name)
			lit := c.signature(funcs[d.Name]).literal("defer gopar_nativert.Enter()(); ", d.Name)
			syms = append(syms, fmt.Sprintf("%q: reflect.ValueOf(%s),", d.Name, lit))
		case Type:
			fmt.Fprintf(&b, "type %s = %s\n", e, d.Name)
			syms = append(syms, fmt.Sprintf("%q: reflect.ValueOf((*%s)(nil)),", d.Name, d.Name))
		case Const:
			fmt.Fprintf(&b, "const %s = %s\n", e, d.Name)
		case Var:
			fmt.Fprintf(&b, "var %s = &%s\n", e, d.Name)
			syms = append(syms, fmt.Sprintf("%q: reflect.ValueOf(&%s).Elem(),", d.Name, d.Name))
		}
	}
	b.WriteString("\n// GoparSymbols returns the cell's functions, types and variables in\n// yaegi's layout.\nfunc GoparSymbols() map[string]reflect.Value {\n\treturn map[string]reflect.Value{\n")
	for _, s := range syms {
		b.WriteString("\t\t" + s + "\n")
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// shim is the Go source that declares a loaded cell's names in the
// interpreter: the cell's package imported as alias, its types as aliases,
// its constants as written, and each function as a function that calls the
// compiled one (so that redefinition works as for interpreted functions).
// Variables are not in it (see Package.VarsPath).
func (c *cellSource) shim(pkgPath, alias string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %s %q\n", alias, pkgPath)
	var body strings.Builder
	for _, d := range c.ast.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil || d.Type.TypeParams != nil || d.Name.Name == "init" || d.Name.Name == "_" {
				continue
			}
			body.WriteString(c.funcShim(d, alias))
		case *ast.GenDecl:
			switch d.Tok {
			case token.TYPE:
				for _, s := range d.Specs {
					s := s.(*ast.TypeSpec)
					if s.TypeParams == nil {
						fmt.Fprintf(&body, "type %s = %s.%s\n", s.Name.Name, alias, s.Name.Name)
					}
				}
			case token.CONST:
				body.WriteString(c.text(d.Pos(), d.End()) + "\n")
			}
		}
	}
	// The imports the shim's text needs: those of the cell, and those of
	// earlier cells' packages, found by name.
	shimText := body.String()
	used := identsOf(shimText)
	for _, im := range c.imports {
		n := importName(im)
		if n != "_" && n != "." && used[n] {
			if im.Name != nil {
				fmt.Fprintf(&b, "import %s %s\n", im.Name.Name, im.Path.Value)
			} else {
				fmt.Fprintf(&b, "import %s\n", im.Path.Value)
			}
		}
	}
	b.WriteString(shimText)
	return b.String()
}

// signature is a function's parameters (named, gopar_a0… where the cell
// gave no name), the arguments that pass them on, and its results, as
// written.
type signature struct {
	params, args []string
	results      string // " (int, error)", or ""
	returns      bool   // it has results
}

func (c *cellSource) signature(d *ast.FuncDecl) signature {
	var s signature
	variadic := false
	i := 0
	for _, f := range d.Type.Params.List {
		t := c.text(f.Type.Pos(), f.Type.End())
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			variadic = true
		}
		names := f.Names
		if len(names) == 0 {
			names = []*ast.Ident{nil}
		}
		for _, n := range names {
			name := fmt.Sprintf("gopar_a%d", i)
			if n != nil && n.Name != "_" {
				name = n.Name
			}
			i++
			s.params = append(s.params, name+" "+t)
			s.args = append(s.args, name)
		}
	}
	if variadic {
		s.args[len(s.args)-1] += "..."
	}
	if d.Type.Results != nil {
		s.results = " " + c.text(d.Type.Results.Pos(), d.Type.Results.End())
		s.returns = d.Type.Results.NumFields() > 0
	}
	return s
}

// call is the function literal that calls fn with s's arguments, and does
// first what before says.
func (s signature) literal(before, fn string) string {
	call := fmt.Sprintf("%s(%s)", fn, strings.Join(s.args, ", "))
	if s.returns {
		call = "return " + call
	}
	return fmt.Sprintf("func(%s)%s { %s%s }", strings.Join(s.params, ", "), s.results, before, call)
}

// funcShim is the interpreted stand-in of a compiled function.
func (c *cellSource) funcShim(d *ast.FuncDecl, alias string) string {
	lit := c.signature(d).literal("", alias+"."+d.Name.Name)
	return "func " + d.Name.Name + strings.TrimPrefix(lit, "func") + "\n"
}

// identsOf is the set of identifiers in Go source text.
func identsOf(src string) map[string]bool {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	out := map[string]bool{}
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT {
			out[lit] = true
		}
	}
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
