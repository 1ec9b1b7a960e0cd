package nbrun

import (
	"go/scanner"
	"go/token"
	"go/types"
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// goTokens splits a Go cell into chroma tokens for the HTML formatter.
// Go lines are tokenised by go/scanner, the Go compiler's own scanner;
// lines of magics, shell commands and help requests (starting with %, !
// or ?) are shown as one token each. Concatenating the tokens' values
// gives back src exactly.
func goTokens(src string) []chroma.Token {
	var toks []chroma.Token
	var goSrc strings.Builder
	flush := func() {
		if goSrc.Len() > 0 {
			toks = append(toks, scanGo(goSrc.String())...)
			goSrc.Reset()
		}
	}
	for _, line := range strings.SplitAfter(src, "\n") {
		if t := strings.TrimLeft(line, " \t"); t != "" && strings.ContainsRune("%!?", rune(t[0])) {
			flush()
			toks = append(toks, chroma.Token{Type: chroma.CommentPreproc, Value: line})
			continue
		}
		goSrc.WriteString(line)
	}
	flush()
	return toks
}

// goDecls are the keywords that declare things.
var goDecls = map[token.Token]bool{token.FUNC: true, token.VAR: true, token.CONST: true, token.TYPE: true}

// predeclared is the kind of a predeclared Go name ("type", "func",
// "const"; nil is a const here), or "" for any other name.
func predeclared(name string) string {
	switch types.Universe.Lookup(name).(type) {
	case *types.TypeName:
		return "type"
	case *types.Builtin:
		return "func"
	case *types.Const, *types.Nil:
		return "const"
	}
	return ""
}

// scanGo tokenises Go source, keeping whitespace and anything the scanner
// rejects as plain text.
func scanGo(src string) []chroma.Token {
	type tok struct {
		off  int
		tok  token.Token
		text string
	}
	var raw []tok
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var sc scanner.Scanner
	sc.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)
	for {
		pos, t, lit := sc.Scan()
		if t == token.EOF {
			break
		}
		if t == token.SEMICOLON && lit != ";" {
			continue // inserted at a newline or EOF: no text of its own
		}
		text := lit
		if text == "" {
			text = t.String()
		}
		off := file.Offset(pos)
		if off+len(text) > len(src) || src[off:off+len(text)] != text {
			continue // defensive: keep the source text as it is
		}
		raw = append(raw, tok{off, t, text})
	}

	var out []chroma.Token
	at := 0
	for i, r := range raw {
		if r.off < at {
			continue
		}
		if r.off > at {
			out = append(out, chroma.Token{Type: chroma.Text, Value: src[at:r.off]})
		}
		var next token.Token
		if i+1 < len(raw) {
			next = raw[i+1].tok
		}
		var prev token.Token
		if i > 0 {
			prev = raw[i-1].tok
		}
		out = append(out, chroma.Token{Type: goTokenType(r.tok, r.text, prev, next), Value: r.text})
		at = r.off + len(r.text)
	}
	if at < len(src) {
		out = append(out, chroma.Token{Type: chroma.Text, Value: src[at:]})
	}
	return out
}

// goTokenType classifies one token, looking at its neighbours to spot
// function names.
func goTokenType(t token.Token, text string, prev, next token.Token) chroma.TokenType {
	switch {
	case t == token.COMMENT:
		if strings.HasPrefix(text, "/*") {
			return chroma.CommentMultiline
		}
		return chroma.CommentSingle
	case t == token.PACKAGE || t == token.IMPORT:
		return chroma.KeywordNamespace
	case goDecls[t]:
		return chroma.KeywordDeclaration
	case t.IsKeyword():
		return chroma.Keyword
	case t == token.IDENT:
		switch {
		case predeclared(text) == "const":
			return chroma.KeywordConstant
		case predeclared(text) == "type":
			return chroma.KeywordType
		case predeclared(text) == "func" && next == token.LPAREN:
			return chroma.NameBuiltin
		case next == token.LPAREN || prev == token.FUNC:
			return chroma.NameFunction
		}
		return chroma.Name
	case t == token.INT || t == token.FLOAT || t == token.IMAG:
		return chroma.LiteralNumber
	case t == token.CHAR:
		return chroma.LiteralStringChar
	case t == token.STRING:
		return chroma.LiteralString
	case t == token.LPAREN || t == token.RPAREN || t == token.LBRACK || t == token.RBRACK ||
		t == token.LBRACE || t == token.RBRACE || t == token.COMMA || t == token.SEMICOLON ||
		t == token.PERIOD || t == token.COLON:
		return chroma.Punctuation
	case t.IsOperator():
		return chroma.Operator
	}
	return chroma.Text
}
