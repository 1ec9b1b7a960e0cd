package cellsyntax

import (
	"slices"
	"strings"
	"testing"
)

func TestLexer(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		state    State
		open     string // the open brackets, outermost first
		bad      bool
		strStart int // checked when state is a string state
	}{
		{"plain", "x := f(a[1])", InCode, "", false, 0},
		{"open brackets", "f(a[{", InCode, "([{", false, 0},
		{"brackets in a string", `s := "{ ( ["`, InCode, "", false, 0},
		{"brackets in a raw string", "s := `{\n(`", InCode, "", false, 0},
		{"brackets in a rune", "r := '{'", InCode, "", false, 0},
		{"escaped quote", `s := "a\"{"`, InCode, "", false, 0},
		{"escaped rune quote", `r := '\''; f(`, InCode, "(", false, 0},
		{"brackets in a line comment", "x // { (\n", InCode, "", false, 0},
		{"brackets in a block comment", "x /* {\n( */ y", InCode, "", false, 0},
		{"in a line comment", "x // {", InLineComment, "", false, 0},
		{"in a block comment", "x /* {\n", InBlockComment, "", false, 0},
		{"in a string", `f("ab`, InString, "(", false, 3},
		{"in a raw string", "f(`a\nb", InRawString, "(", false, 3},
		{"in a rune", "r := 'a", InRune, "", false, 0},
		{"string ends at a newline", "s := \"ab\ny", InCode, "", true, 0},
		{"mismatched bracket", "f(]", InCode, "(", true, 0},
		{"closing without opening", ")", InCode, "", true, 0},
		{"percent and semicolon in strings", "s := \"%d;\"; t := `%;`", InCode, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Lexer
			l.Feed(tt.src, 0)
			var open []byte
			for _, b := range l.Open {
				open = append(open, b.Ch)
			}
			if l.State != tt.state || string(open) != tt.open || l.Bad != tt.bad {
				t.Errorf("Feed(%q): state %d, open %q, bad %v; want %d, %q, %v", tt.src, l.State, open, l.Bad, tt.state, tt.open, tt.bad)
			}
			if (tt.state == InString || tt.state == InRawString) && l.StrStart != tt.strStart {
				t.Errorf("Feed(%q): StrStart %d; want %d", tt.src, l.StrStart, tt.strStart)
			}
		})
	}
}

// TestLexerFeedByLines checks that feeding a text line by line, with each
// line's offset, is feeding it whole, as MagicLines does.
func TestLexerFeedByLines(t *testing.T) {
	lines := []string{"f(a, `x\n", "[`,\n", "\tg[\"(\" + /* { */ s"}
	var whole, byLine Lexer
	whole.Feed(strings.Join(lines, ""), 0)
	off := 0
	for _, line := range lines {
		byLine.Feed(line, off)
		off += len(line)
	}
	want := []Bracket{{'(', 1}, {'[', 14}}
	for _, l := range []Lexer{whole, byLine} {
		if !slices.Equal(l.Open, want) || l.State != InCode || l.Bad || l.AtTop() {
			t.Errorf("open %v state %d bad %v top %v; want open %v in code", l.Open, l.State, l.Bad, l.AtTop(), want)
		}
	}
	byLine.Feed("])", off)
	if !byLine.AtTop() {
		t.Errorf("not at top after closing: open %v", byLine.Open)
	}
}
