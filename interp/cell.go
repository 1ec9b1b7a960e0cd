package interp

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// A cell is split into top-level units (one declaration or one statement
// each) with go/scanner; each unit is then parsed on its own with go/parser,
// in a text where everything outside the unit is blanked (newlines kept), so
// that AST offsets are the cell's own offsets.

type unitKind int

const (
	uStmt unitKind = iota
	uImport
	uConst
	uVar
	uType
	uFunc
	uMethod
	uPackage
)

// unit is one top-level declaration or statement of a cell.
type unit struct {
	kind       unitKind
	start, end int    // byte offsets in the cell
	doc        string // comment lines right above a declaration

	// Exactly one of these is set after parsing.
	decl ast.Decl // for declarations
	stmt ast.Stmt // for statements
}

// tokInfo is a token and its offset.
type tokInfo struct {
	tok token.Token
	off int
}

// splitCell cuts src into units at top-level semicolons (including the ones
// Go inserts at line ends).
func splitCell(src string) []unit {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)

	var (
		units    []unit
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
			u := unit{start: start, end: end, kind: classify(toks)}
			if u.kind != uStmt && file.Line(file.Pos(start)) == comLine+1 {
				u.doc = strings.Join(comments, "\n")
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
		end = off + n
	}
	flush()
	return units
}

// classify tells a unit's kind from its first tokens.
func classify(toks []tokInfo) unitKind {
	if len(toks) == 0 {
		return uStmt
	}
	tk := func(i int) token.Token {
		if i < len(toks) {
			return toks[i].tok
		}
		return token.EOF
	}
	switch tk(0) {
	case token.PACKAGE:
		return uPackage
	case token.IMPORT:
		return uImport
	case token.CONST:
		return uConst
	case token.VAR:
		return uVar
	case token.TYPE:
		return uType
	case token.FUNC:
		if tk(1) == token.IDENT {
			return uFunc
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
						return uMethod
					}
					return uStmt
				}
			}
		}
	}
	return uStmt
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

const (
	declPrefix = "package main;"
	stmtPrefix = "package main;func _(){"
)

// parseUnit parses u in place; its error positions are cell offsets.
func parseUnit(fset *token.FileSet, src string, u *unit) (base int, err error) {
	if u.kind == uPackage {
		return 0, nil
	}
	text := blankExcept(src, u.start, u.end)
	if u.kind == uStmt {
		f, err := parser.ParseFile(fset, "", stmtPrefix+text+"\n}", parser.ParseComments)
		base = fset.File(f.Package).Base() + len(stmtPrefix)
		if err != nil {
			return base, err
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		if len(body.List) != 1 {
			return base, &scanner.Error{Msg: "unexpected statement"}
		}
		u.stmt = body.List[0]
		return base, nil
	}
	f, err := parser.ParseFile(fset, "", declPrefix+text, parser.ParseComments)
	if f != nil {
		base = fset.File(f.Package).Base() + len(declPrefix)
	}
	if err != nil {
		return base, err
	}
	switch u.kind {
	case uPackage:
		return base, nil // `package main` is ignored
	case uImport:
		if len(f.Imports) == 0 {
			return base, nil
		}
		u.decl = f.Decls[0]
		return base, nil
	}
	if len(f.Decls) != 1 {
		return base, &scanner.Error{Msg: "unexpected declaration"}
	}
	u.decl = f.Decls[0]
	return base, nil
}

// edit replaces [start,end) of the cell (an insertion when start == end).
type edit struct {
	start, end int
	text       string
}

// piece is a range of the cell kept in a chunk, with its edits. With repl
// set, the whole range is replaced by repl.
type piece struct {
	start, end int
	edits      []edit
}

// seg maps a range of a chunk's text to the cell: text [t0,t1) comes from
// the cell at c0 (copied) or was inserted at c0.
type seg struct {
	t0, t1, c0 int
	inserted   bool
}

// chunkPrefixLines are the global lines no cell owns: a chunk's mode prefix
// and //line directive stand there, and yaegi reports frames of the
// statement-mode wrapper at them.
const chunkPrefixLines = 4

// chunk is one source text handed to yaegi's Eval, made of pieces of the
// cell at their original line and column.
type chunk struct {
	stmt   bool // statement mode (else file mode)
	pieces []piece

	text  string
	segs  []seg
	lines []int // offsets of line starts in text
	base  int   // lines of text before the cell's line 1
	cell  *cellRec
	name  string // function or method the chunk defines, for traces
}

// build lays out the chunk's text: a mode prefix (";" forces yaegi's
// statement mode), a //line directive that puts the cell's line 1 at global
// line cr.base+1 (every cell gets its own range of lines, so that a position
// yaegi reports tells the cell), then the cell text with everything but the
// pieces blanked. (A file name in the directive would make yaegi scope
// imports per cell.)
func (c *chunk) build(src string, cr *cellRec) {
	c.cell, c.base = cr, 2
	c.segs = nil
	var b strings.Builder
	if c.stmt {
		b.WriteString(startedHook)
	}
	b.WriteString("\n//line :" + strconv.Itoa(cr.base+1) + ":1\n")
	sort.Slice(c.pieces, func(i, j int) bool { return c.pieces[i].start < c.pieces[j].start })
	pos := 0
	addSeg := func(text string, c0 int, ins bool) {
		t0 := b.Len()
		b.WriteString(text)
		c.segs = append(c.segs, seg{t0, b.Len(), c0, ins})
	}
	blank := func(s string, c0 int) {
		bb := []byte(s)
		for i := range bb {
			if bb[i] != '\n' {
				bb[i] = ' '
			}
		}
		addSeg(string(bb), c0, false)
	}
	for _, p := range c.pieces {
		if p.start < pos {
			continue // overlapping pieces are a bug; skip rather than garble
		}
		blank(src[pos:p.start], pos)
		pos = p.start
		es := append([]edit(nil), p.edits...)
		// By position; at one position, insertions before replacements.
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].start != es[j].start {
				return es[i].start < es[j].start
			}
			return es[i].start == es[i].end && es[j].start != es[j].end
		})
		for _, e := range es {
			if e.start < pos {
				continue
			}
			addSeg(src[pos:e.start], pos, false)
			addSeg(e.text, e.start, true)
			pos = e.end
		}
		addSeg(src[pos:p.end], pos, false)
		pos = p.end
	}
	b.WriteString("\n")
	c.text = b.String()
	c.lines = []int{0}
	for i := 0; i < len(c.text); i++ {
		if c.text[i] == '\n' {
			c.lines = append(c.lines, i+1)
		}
	}
}

// cellOffset maps a 1-based line and column that yaegi reports for the chunk
// to an offset in the cell.
func (c *chunk) cellOffset(line, col int) (int, bool) {
	line += c.base - c.cell.base
	if line < 1 || line > len(c.lines) {
		return 0, false
	}
	t := c.lines[line-1] + col - 1
	for _, s := range c.segs {
		if t >= s.t0 && t < s.t1 || (t == s.t1 && s.t0 == s.t1) {
			if s.inserted {
				return s.c0, true
			}
			return s.c0 + t - s.t0, true
		}
	}
	return 0, false
}

// off2pos converts a cell offset to 1-based line and column.
func off2pos(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + strings.Count(src[:off], "\n")
	col = off - (strings.LastIndex(src[:off], "\n") + 1) + 1
	return line, col
}

// srcLine is the 1-based line of src (without its newline).
func srcLine(src string, line int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return lines[line-1]
}
