package nbrun

import (
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
)

func TestGoTokens(t *testing.T) {
	src := "%time x := 1\nfunc fib(n int) int { // comment\n\treturn len(\"s\") + 'c' + 0x1F\n}\n!ls -l\n/* block */ var ok = true; `raw` @ \n?strings.Split"
	toks := goTokens(src)
	var back strings.Builder
	kinds := map[string]chroma.TokenType{}
	for _, tk := range toks {
		back.WriteString(tk.Value)
		kinds[tk.Value] = tk.Type
	}
	if back.String() != src {
		t.Fatalf("tokens do not give back the source:\n%q\n%q", back.String(), src)
	}
	for text, want := range map[string]chroma.TokenType{
		"%time x := 1\n": chroma.CommentPreproc,
		"!ls -l\n":       chroma.CommentPreproc,
		"?strings.Split": chroma.CommentPreproc,
		"func":           chroma.KeywordDeclaration,
		"fib":            chroma.NameFunction,
		"int":            chroma.KeywordType,
		"return":         chroma.Keyword,
		"len":            chroma.NameBuiltin,
		`"s"`:            chroma.LiteralString,
		"`raw`":          chroma.LiteralString,
		"'c'":            chroma.LiteralStringChar,
		"0x1F":           chroma.LiteralNumber,
		"// comment":     chroma.CommentSingle,
		"/* block */":    chroma.CommentMultiline,
		"true":           chroma.KeywordConstant,
		"+":              chroma.Operator,
		"{":              chroma.Punctuation,
		";":              chroma.Punctuation,
		"n":              chroma.Name,
	} {
		if got, ok := kinds[text]; !ok || got != want {
			t.Errorf("%q: type %v (found %v), want %v", text, got, ok, want)
		}
	}
}
