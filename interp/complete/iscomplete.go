package complete

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gopar/gopar/engine"
)

// indentUnit is the indentation of one open bracket level.
const indentUnit = "    "

// IsComplete tells whether code is ready to run: "incomplete" when brackets,
// parentheses, braces, a raw string or a block comment are still open, or
// when the last line ends with a binary operator or a comma (indent then
// holds four spaces per open level); "invalid" for a syntax error;
// "complete" otherwise. Magic, shell and help lines count as complete, and
// so does a cell that starts with a %% cell magic.
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" || strings.HasPrefix(strings.TrimLeft(code, " \t\r\n"), "%%") {
		return engine.Complete, ""
	}
	src := blankMagics(code)

	var l lexer
	l.feed(src, 0)
	if l.bad {
		return engine.Invalid, ""
	}
	switch l.state {
	case inString, inRune:
		return engine.Invalid, ""
	case inRawString, inBlockComment:
		return engine.Incomplete, strings.Repeat(indentUnit, len(l.open))
	}
	if len(l.open) > 0 {
		return engine.Incomplete, strings.Repeat(indentUnit, len(l.open))
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

	if err := syntaxCheck(src); err != nil {
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

// syntaxCheck parses a cell that may mix imports, declarations and
// statements: imports and func declarations are parsed as a file, the rest
// as the body of a function. A cell with a package clause is a whole file.
func syntaxCheck(src string) error {
	fset := token.NewFileSet()
	if firstToken(src) == token.PACKAGE {
		_, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
		return err
	}
	imports, funcs, body := splitTopLevel(src)
	if _, err := parser.ParseFile(fset, "", "package p;"+imports+funcs, parser.SkipObjectResolution); err != nil {
		return err
	}
	_, err := parser.ParseFile(fset, "", "package p; func _() {"+body+"\n}", parser.SkipObjectResolution)
	return err
}

// firstToken is the first token of src, comments skipped.
func firstToken(src string) token.Token {
	fset := token.NewFileSet()
	var sc scanner.Scanner
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	_, tok, _ := sc.Scan()
	return tok
}

// splitTopLevel splits src into its imports, its func declarations and
// everything else, each blanked where the others have code (imports go
// first, as Go requires).
func splitTopLevel(src string) (imports, funcs, body string) {
	lines := strings.SplitAfter(src, "\n")
	kind := make([]byte, len(lines)) // 'i', 'f' or 0
	var l lexer
	var cur byte
	for i, line := range lines {
		if l.atTop() {
			t := strings.TrimLeft(line, " \t")
			switch {
			case strings.HasPrefix(t, "import") && !isIdentCont(t, 6):
				cur = 'i'
			case funcDecl(t):
				cur = 'f'
			case strings.TrimSpace(t) == "" || strings.HasPrefix(t, "//"):
				// blank lines and comments stay with what precedes
			default:
				cur = 0
			}
		}
		kind[i] = cur
		l.feed(line, 0)
	}
	var ib, fb, bb strings.Builder
	for i, line := range lines {
		blank := strings.Repeat("\n", strings.Count(line, "\n"))
		for _, b := range []struct {
			k byte
			w *strings.Builder
		}{{'i', &ib}, {'f', &fb}, {0, &bb}} {
			if kind[i] == b.k {
				b.w.WriteString(line)
			} else {
				b.w.WriteString(blank)
			}
		}
	}
	return ib.String(), fb.String(), bb.String()
}

func isIdentCont(s string, i int) bool {
	return i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9')
}

// funcDecl tells whether a top-level line starts a func declaration (a
// name or a receiver after "func"), not a func literal.
func funcDecl(t string) bool {
	if !strings.HasPrefix(t, "func") || isIdentCont(t, 4) {
		return false
	}
	rest := strings.TrimLeft(t[4:], " \t")
	if rest == "" {
		return false
	}
	if rest[0] == '(' {
		// A receiver "(r T) Name(" or a literal "(x int) {": a receiver is
		// followed by a name.
		depth := 0
		for i, c := range rest {
			switch c {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					after := strings.TrimLeft(rest[i+1:], " \t")
					return after != "" && isIdentStart(after[0])
				}
			}
		}
		return false
	}
	return isIdentStart(rest[0])
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// atEOF tells whether a parse error is about the end of the input.
func atEOF(err error) bool {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return false
	}
	return strings.Contains(list[0].Msg, "EOF")
}
