// Package cellsyntax is the syntax of a gopar cell: Go code mixed with
// IPython-style magic lines. It owns the rules every part of the kernel
// reads a cell by:
//
//   - a light lexer (Lexer) that follows strings, comments and brackets
//     through any text, complete or not;
//   - the magic lines (MagicLines, Magics): line magics %name, cell magics
//     %%name, shell lines !cmd (continued on the next line when they end
//     with a backslash) and help lines ?name, name?, ??name, name??,
//     recognised only at the top level of the cell;
//   - the split of the Go code into top-level units, one declaration or
//     statement each (Split, Unit.Parse), and the check that they parse
//     (Check);
//   - Go's predeclared names (IsPredeclared, Predeclared).
//
// Execution, is_complete, completion and inspection all read cells through
// it, so that they agree on what a cell says.
package cellsyntax

// State is where the Lexer stands between two bytes.
type State int

// The states of the Lexer.
const (
	InCode         State = iota // plain code
	InLineComment               // after // up to the end of the line
	InBlockComment              // inside /* */
	InString                    // inside an interpreted "string"
	InRawString                 // inside a `raw string`
	InRune                      // inside a 'rune' literal
)

// Bracket is an open bracket: '(', '[' or '{', at byte offset Pos.
type Bracket struct {
	Ch  byte
	Pos int
}

// Lexer follows strings, comments and bracket nesting through Go source
// without tokenizing it fully; it tolerates any input, so that it can read
// a cell being typed. Its zero value is ready at the start of a text.
type Lexer struct {
	// State is where the lexer stands after the bytes fed so far.
	State State
	// Open holds the unclosed brackets, innermost last.
	Open []Bracket
	// Bad is set when a closing bracket does not match, or a string or
	// rune literal ends at a newline.
	Bad bool
	// StrStart is the offset just after the opening quote of the
	// (interpreted or raw) string the lexer is in, if any.
	StrStart int
}

// closer maps a closing bracket to its opening one.
var closer = [256]byte{')': '(', ']': '[', '}': '{'}

// Feed advances the lexer over s, whose first byte is at offset base of the
// whole text.
func (l *Lexer) Feed(s string, base int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch l.State {
		case InLineComment:
			if c == '\n' {
				l.State = InCode
			}
		case InBlockComment:
			if c == '*' && i+1 < len(s) && s[i+1] == '/' {
				l.State = InCode
				i++
			}
		case InString, InRune:
			switch {
			case c == '\\':
				i++
			case c == '\n':
				l.State = InCode // unterminated: a syntax error, stop here
				l.Bad = true
			case c == '"' && l.State == InString, c == '\'' && l.State == InRune:
				l.State = InCode
			}
		case InRawString:
			if c == '`' {
				l.State = InCode
			}
		default:
			switch c {
			case '/':
				if i+1 < len(s) && s[i+1] == '/' {
					l.State = InLineComment
					i++
				} else if i+1 < len(s) && s[i+1] == '*' {
					l.State = InBlockComment
					i++
				}
			case '"':
				l.State, l.StrStart = InString, base+i+1
			case '`':
				l.State, l.StrStart = InRawString, base+i+1
			case '\'':
				l.State = InRune
			case '(', '[', '{':
				l.Open = append(l.Open, Bracket{c, base + i})
			case ')', ']', '}':
				if n := len(l.Open); n > 0 && l.Open[n-1].Ch == closer[c] {
					l.Open = l.Open[:n-1]
				} else {
					l.Bad = true
				}
			}
		}
	}
}

// AtTop tells whether the lexer is in plain code outside any bracket.
func (l *Lexer) AtTop() bool { return l.State == InCode && len(l.Open) == 0 }
