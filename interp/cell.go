package interp

import (
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/gopar/gopar/interp/cellsyntax"
)

// The syntax of a cell (its split into top-level units and their parsing)
// is package cellsyntax's; the names below keep the engine's spelling of it.

type unitKind = cellsyntax.Kind

const (
	uStmt    = cellsyntax.Stmt
	uImport  = cellsyntax.Import
	uConst   = cellsyntax.Const
	uVar     = cellsyntax.Var
	uType    = cellsyntax.Type
	uFunc    = cellsyntax.Func
	uMethod  = cellsyntax.Method
	uPackage = cellsyntax.Package
)

// unit is one top-level declaration or statement of a cell (a
// cellsyntax.Unit).
type unit struct {
	kind       unitKind
	start, end int    // byte offsets in the cell
	doc        string // comment lines right above a declaration

	// Exactly one of these is set after parsing.
	decl ast.Decl // for declarations
	stmt ast.Stmt // for statements
}

// splitCell cuts src into units at top-level semicolons (including the ones
// Go inserts at line ends).
func splitCell(src string) []unit {
	us := cellsyntax.Split(src)
	units := make([]unit, len(us))
	for i, u := range us {
		units[i] = unit{kind: u.Kind, start: u.Start, end: u.End, doc: u.Doc}
	}
	return units
}

// The prefixes a unit is parsed with, counted in the columns of errors on
// its first line.
const (
	declPrefix = cellsyntax.DeclPrefix
	stmtPrefix = cellsyntax.StmtPrefix
)

// parseUnit parses u in place; its error positions are cell offsets.
func parseUnit(fset *token.FileSet, src string, u *unit) (base int, err error) {
	cu := cellsyntax.Unit{Kind: u.kind, Start: u.start, End: u.end, Doc: u.doc}
	base, err = cu.Parse(fset, src)
	u.decl, u.stmt = cu.Decl, cu.Stmt
	return base, err
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
	// stmt: statement mode, at the global level (else file mode).
	stmt bool
	// init: statements run in an init function (file mode), which yaegi
	// runs at once. A statement evaluated at the global level takes slots
	// of yaegi's global frame for its temporaries (a call's results…),
	// and that frame only grows and is copied whenever it does; in a
	// function they are the function's. So only statements that declare
	// globals run at the global level.
	init   bool
	pieces []piece
	// transient: none of the chunk's code can run once its evaluation
	// returns (see evalInfo).
	transient bool

	text  string
	segs  []seg
	lines []int // offsets of line starts in text
	base  int   // lines of text before the one holding the cell's line line0
	line0 int   // the cell's line the text starts at (that of the first piece)
	cell  *cellRec
}

// build lays out the chunk's text: a mode prefix (";" forces yaegi's
// statement mode; "func init() {" is closed at the end), a //line directive that puts the line of the first
// piece at its global line (cr.base + its line: every cell gets its own
// range of lines, so that a position yaegi reports tells the cell), then
// the cell text from that line on, with everything but the pieces blanked.
// (A file name in the directive would make yaegi scope imports per cell.)
func (c *chunk) build(src string, cr *cellRec) {
	c.cell, c.base = cr, 2
	c.segs = nil
	var b strings.Builder
	switch {
	case c.stmt:
		b.WriteString(startedHook)
	case c.init:
		b.WriteString(initHook)
	}
	sort.Slice(c.pieces, func(i, j int) bool { return c.pieces[i].start < c.pieces[j].start })
	pos := 0
	if len(c.pieces) > 0 {
		pos = strings.LastIndexByte(src[:min(c.pieces[0].start, len(src))], '\n') + 1
	}
	c.line0 = 1 + strings.Count(src[:pos], "\n")
	b.WriteString("\n//line :" + strconv.Itoa(cr.base+c.line0) + ":1\n")
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
	if c.init {
		b.WriteString("}\n")
	}
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
	line = line - c.cell.base - c.line0 + 1 + c.base
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

// selectorOffset is the cell offset of the x in the first x.sel of the
// chunk's cell text, if there is one.
func (c *chunk) selectorOffset(sel string) (int, bool) {
	for _, s := range c.segs {
		if s.inserted {
			continue
		}
		text := c.text[s.t0:s.t1]
		for from := 0; ; {
			i := strings.Index(text[from:], "."+sel)
			if i < 0 {
				break
			}
			i += from
			end := i + 1 + len(sel)
			if end == len(text) || !isIdentByte(text[end]) {
				j := i
				for j > 0 && isIdentByte(text[j-1]) {
					j--
				}
				if j < i {
					return s.c0 + j, true
				}
			}
			from = end
		}
	}
	return 0, false
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
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
