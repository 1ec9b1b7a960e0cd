package complete

import (
	"regexp"
	"strings"
	"sync"
)

// lexState is where a light Go lexer stands between two characters.
type lexState int

const (
	inCode lexState = iota
	inLineComment
	inBlockComment
	inString
	inRawString
	inRune
)

// lexer follows strings, comments and bracket nesting through Go source
// without tokenizing it fully; it tolerates any input.
type lexer struct {
	state lexState
	// open holds the unclosed brackets, innermost last, with the byte
	// offset of each.
	open []bracket
	// bad is set when a closing bracket does not match or a string or
	// rune literal ends at a newline.
	bad bool
	// strStart is the offset just after the opening quote of the string
	// the lexer is in, if any.
	strStart int
}

type bracket struct {
	ch  byte
	pos int
}

// feed advances the lexer over s, whose first byte is at offset base of the
// whole text.
func (l *lexer) feed(s string, base int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch l.state {
		case inLineComment:
			if c == '\n' {
				l.state = inCode
			}
		case inBlockComment:
			if c == '*' && i+1 < len(s) && s[i+1] == '/' {
				l.state = inCode
				i++
			}
		case inString, inRune:
			switch {
			case c == '\\':
				i++
			case c == '\n':
				l.state = inCode // unterminated: a syntax error, stop here
				l.bad = true
			case c == '"' && l.state == inString, c == '\'' && l.state == inRune:
				l.state = inCode
			}
		case inRawString:
			if c == '`' {
				l.state = inCode
			}
		default:
			switch c {
			case '/':
				if i+1 < len(s) && s[i+1] == '/' {
					l.state = inLineComment
					i++
				} else if i+1 < len(s) && s[i+1] == '*' {
					l.state = inBlockComment
					i++
				}
			case '"':
				l.state, l.strStart = inString, base+i+1
			case '`':
				l.state, l.strStart = inRawString, base+i+1
			case '\'':
				l.state = inRune
			case '(', '[', '{':
				l.open = append(l.open, bracket{c, base + i})
			case ')', ']', '}':
				want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
				if n := len(l.open); n > 0 && l.open[n-1].ch == want {
					l.open = l.open[:n-1]
				} else {
					l.bad = true
				}
			}
		}
	}
}

// atTop tells whether the lexer is in plain code outside any bracket.
func (l *lexer) atTop() bool { return l.state == inCode && len(l.open) == 0 }

// helpLine matches `?name`, `??name`, `name?` and `name??` lines; compiled
// on first use, to keep the kernel's start-up short.
var helpLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(\?{1,2}\s*%{0,2}[\pL_][\pL\pN_.]*\s*|%{0,2}[\pL_][\pL\pN_.]*\s*\?{1,2}\s*)$`)
})

// isMagicText tells whether a line at the top level is a magic (%name or
// %%name), a shell line (!cmd) or a help line (?name, name?).
func isMagicText(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if t == "" {
		return false
	}
	switch t[0] {
	case '%':
		return len(t) > 1 && t[1] != '='
	case '!':
		return len(t) > 1 && t[1] != '='
	case '?':
		return helpLine().MatchString(line)
	}
	return helpLine().MatchString(line)
}

// MagicLines reports, for each line of code (index 0 is line 1), whether it
// is a magic line: one that starts at the top level of the cell (outside
// brackets, strings and comments) with %, !, ? or is a name followed by ? or
// ??. Lines are separated by "\n".
func MagicLines(code string) []bool {
	lines := strings.Split(code, "\n")
	res := make([]bool, len(lines))
	var l lexer
	off := 0
	for i, line := range lines {
		if l.atTop() && isMagicText(line) {
			res[i] = true
		} else {
			l.feed(line+"\n", off)
		}
		off += len(line) + 1
	}
	return res
}

// blankMagics replaces magic lines by spaces, keeping line numbers and
// byte offsets.
func blankMagics(code string) string {
	marks := MagicLines(code)
	lines := strings.Split(code, "\n")
	for i, m := range marks {
		if m {
			lines[i] = strings.Repeat(" ", len(lines[i]))
		}
	}
	return strings.Join(lines, "\n")
}
