package complete

import (
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
)

// indentUnit is the indentation of one open bracket level.
const indentUnit = "    "

// IsComplete tells whether code is ready to run: "incomplete" when brackets,
// parentheses, braces, a raw string or a block comment are still open, or
// when the last line ends with a binary operator or a comma (indent then
// holds four spaces per open level); "invalid" for a syntax error;
// "complete" otherwise. Magic, shell and help lines count as complete
// (except a shell line that ends with a backslash, which goes on), and
// so does a cell that starts with a %% cell magic. The Go code is split and
// parsed as Execute does (package cellsyntax).
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" || cellsyntax.StartsWithCellMagic(code) {
		return engine.Complete, ""
	}
	if cellsyntax.OpenShellLine(code) {
		return engine.Incomplete, ""
	}
	src := cellsyntax.BlankMagics(code)

	var l cellsyntax.Lexer
	l.Feed(src, 0)
	if l.Bad {
		return engine.Invalid, ""
	}
	switch l.State {
	case cellsyntax.InString, cellsyntax.InRune:
		return engine.Invalid, ""
	case cellsyntax.InRawString, cellsyntax.InBlockComment:
		return engine.Incomplete, strings.Repeat(indentUnit, len(l.Open))
	}
	if len(l.Open) > 0 {
		return engine.Incomplete, strings.Repeat(indentUnit, len(l.Open))
	}

	// Scan tokens: a scanner error is invalid; a last token that needs a
	// continuation (binary operator, comma, ...) is incomplete.
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var sc scanner.Scanner
	scanErr := false
	sc.Init(file, []byte(src), func(token.Position, string) { scanErr = true }, 0)
	last := token.ILLEGAL
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		last = tok
	}
	if scanErr {
		return engine.Invalid, ""
	}
	if continues(last) {
		return engine.Incomplete, indentUnit
	}

	if err := cellsyntax.Check(src); err != nil {
		if atEOF(err) {
			return engine.Incomplete, ""
		}
		return engine.Invalid, ""
	}
	return engine.Complete, ""
}

// continues tells whether a line ending with tok must go on.
func continues(tok token.Token) bool {
	switch tok {
	case token.COMMA, token.PERIOD, token.ASSIGN, token.DEFINE, token.ARROW,
		token.LAND, token.LOR, token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ,
		token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR,
		token.SHL, token.SHR, token.AND_NOT, token.COLON,
		token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN, token.QUO_ASSIGN, token.REM_ASSIGN,
		token.AND_ASSIGN, token.OR_ASSIGN, token.XOR_ASSIGN, token.SHL_ASSIGN, token.SHR_ASSIGN,
		token.AND_NOT_ASSIGN:
		return true
	}
	return false
}

// atEOF tells whether a parse error is about the end of the input.
func atEOF(err error) bool {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return false
	}
	return strings.Contains(list[0].Msg, "EOF")
}
