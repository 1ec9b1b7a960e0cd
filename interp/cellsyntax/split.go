package cellsyntax

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// A cell's Go code is split into top-level units (one declaration or one
// statement each) with go/scanner; each unit is then parsed on its own with
// go/parser, in a text where everything outside the unit is blanked
// (newlines kept), so that AST offsets are the cell's own offsets.

// Kind is the kind of a unit.
type Kind int

// The kinds of units.
const (
	Stmt    Kind = iota // a statement (or an expression)
	Import              // import "p" or import ( … )
	Const               // const …
	Var                 // var …
	Type                // type …
	Func                // func name(…) …
	Method              // func (recv) name(…) …
	Package             // package name, which the cell ignores
)

// Unit is one top-level declaration or statement of a cell.
type Unit struct {
	// Kind is what the unit is, told from its first tokens.
	Kind Kind
	// Start and End are the unit's byte offsets in the cell: [Start, End).
	Start, End int
	// Doc is the text of the comment lines right above a declaration.
	Doc string

	// After Parse, exactly one of these is set, except for a Package unit
	// and an empty import: Decl for a declaration, Stmt for a statement.
	Decl ast.Decl
	Stmt ast.Stmt
}

// tokInfo is a token and its offset.
type tokInfo struct {
	tok token.Token
	off int
}

// Split cuts the Go code src (magic lines blanked) into units at top-level
// semicolons, including the ones Go inserts at line ends. The semicolons of
// for, if and switch headers do not end a statement.
func Split(src string) []Unit {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)

	var (
		units    []Unit
		toks     []tokInfo
		depth    int
		header   bool
		start    = -1
		end      int
		comments []string
		comLine  = -10 // line of the last comment
	)
	flush := func() {
		if start >= 0 {
			u := Unit{Start: start, End: end, Kind: classify(toks)}
			if u.Kind != Stmt && file.Line(file.Pos(start)) == comLine+1 {
				u.Doc = strings.Join(comments, "\n")
			}
			units = append(units, u)
		}
		start, toks = -1, toks[:0]
	}
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		if tok == token.COMMENT {
			if start < 0 {
				line := file.Line(pos)
				if line != comLine+1 {
					comments = comments[:0]
				}
				comments = append(comments, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(lit, "//"), "/*")))
				comLine = file.Line(file.Pos(off + len(lit) - 1))
			}
			continue
		}
		if tok == token.SEMICOLON && depth <= 0 && !header {
			flush()
			continue
		}
		switch tok {
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true // its semicolons do not end the statement
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
		if start < 0 {
			start = off
		}
		toks = append(toks, tokInfo{tok, off})
		n := len(lit)
		if n == 0 {
			n = len(tok.String())
		}
		// min: the semicolon Go inserts at the end of the text (in a for,
		// if or switch header) has the text "\n" but no byte there.
		end = min(off+n, len(src))
	}
	flush()
	return units
}

// classify tells a unit's kind from its first tokens.
func classify(toks []tokInfo) Kind {
	if len(toks) == 0 {
		return Stmt
	}
	tk := func(i int) token.Token {
		if i < len(toks) {
			return toks[i].tok
		}
		return token.EOF
	}
	switch tk(0) {
	case token.PACKAGE:
		return Package
	case token.IMPORT:
		return Import
	case token.CONST:
		return Const
	case token.VAR:
		return Var
	case token.TYPE:
		return Type
	case token.FUNC:
		if tk(1) == token.IDENT {
			return Func
		}
		if tk(1) == token.LPAREN {
			// A method has a receiver list followed by a name and "(".
			d := 0
			for i := 1; i < len(toks); i++ {
				switch tk(i) {
				case token.LPAREN, token.LBRACK, token.LBRACE:
					d++
				case token.RPAREN, token.RBRACK, token.RBRACE:
					d--
				}
				if d == 0 {
					if tk(i+1) == token.IDENT && tk(i+2) == token.LPAREN {
						return Method
					}
					return Stmt
				}
			}
		}
	}
	return Stmt
}

// blankExcept returns src with every byte outside [start,end) replaced by a
// space (newlines kept), cut after end.
func blankExcept(src string, start, end int) string {
	b := []byte(src[:end])
	for i := 0; i < start; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// The texts put before a unit to parse it: a declaration as a file's, a
// statement as the body of a function. Both are on the unit's first line,
// so the columns of errors on line 1 count them.
const (
	DeclPrefix = "package main;"
	StmtPrefix = "package main;func _(){"
)

// Parse parses u, a unit of src, setting u.Decl or u.Stmt. base is the
// token.Pos, in fset, of the cell's offset 0 (so that the unit's AST
// positions minus base are cell offsets); error positions are the cell's
// lines, with the prefix (DeclPrefix or StmtPrefix) counted in the columns
// of line 1. A Package unit is not parsed.
func (u *Unit) Parse(fset *token.FileSet, src string) (base int, err error) {
	if u.Kind == Package {
		return 0, nil
	}
	text := blankExcept(src, u.Start, u.End)
	if u.Kind == Stmt {
		f, err := parser.ParseFile(fset, "", StmtPrefix+text+"\n}", parser.ParseComments)
		base = fset.File(f.Package).Base() + len(StmtPrefix)
		if err != nil {
			return base, err
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		if len(body.List) != 1 {
			return base, &scanner.Error{Msg: "unexpected statement"}
		}
		u.Stmt = body.List[0]
		return base, nil
	}
	f, err := parser.ParseFile(fset, "", DeclPrefix+text, parser.ParseComments)
	if f != nil {
		base = fset.File(f.Package).Base() + len(DeclPrefix)
	}
	if err != nil {
		return base, err
	}
	if u.Kind == Import {
		if len(f.Imports) == 0 {
			return base, nil
		}
		u.Decl = f.Decls[0]
		return base, nil
	}
	if len(f.Decls) != 1 {
		return base, &scanner.Error{Msg: "unexpected declaration"}
	}
	u.Decl = f.Decls[0]
	return base, nil
}

// Check parses every unit of the Go code src (magic lines blanked) as a
// cell runs them, and returns the first syntax error, or nil.
func Check(src string) error {
	fset := token.NewFileSet()
	for _, u := range Split(src) {
		if _, err := u.Parse(fset, src); err != nil {
			return err
		}
	}
	return nil
}
