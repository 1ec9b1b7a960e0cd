package cellsyntax

import (
	"regexp"
	"strings"
	"sync"
)

// LineKind is the kind of a magic line.
type LineKind int

// The kinds of magic lines.
const (
	// LineMagic is "%name args".
	LineMagic LineKind = iota + 1
	// CellMagic is "%%name args"; it applies to the whole cell.
	CellMagic
	// Shell is "!cmd". A shell line that ends with a backslash goes on on
	// the next line, as in a shell: "!echo one \" then "two" is one shell
	// line, "echo one \\\ntwo" (the backslash and newline kept, for the
	// shell to join).
	Shell
	// Help is "?name", "name?", "??name" or "name??"; the name may be a
	// magic's, as in "%time?" or "?%%timeit".
	Help
)

// MagicLine is a magic line of a cell, read but not checked against the
// known magics.
type MagicLine struct {
	// Line is the 1-based line of the cell.
	Line int
	// EndLine is its last line: Line, except for a shell line continued
	// with backslashes.
	EndLine int
	// Kind is what the line is.
	Kind LineKind
	// Name is, for a line or cell magic, the magic's name without % (""
	// when what follows the % is not a name); "!" for a shell line; "?" or
	// "??" for a help line.
	Name string
	// Args is the rest of the line without surrounding space: the magic's
	// arguments, the shell command, or for a help line the name asked about
	// (with its % or %% for a magic).
	Args string
	// Text is the line (lines, for a continued shell line) without
	// surrounding space.
	Text string
}

// The regular expressions of magic lines, compiled on first use to keep the
// kernel's start-up short.
var (
	// helpLine matches a whole help line: `?name`, `??name`, `name?`,
	// `name??`, where name may be a dotted Go name or a magic's %name.
	helpLine = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*(\?{1,2})\s*(%{0,2}[\pL_][\pL\pN_.]*)\s*$|^\s*(%{0,2}[\pL_][\pL\pN_.]*)\s*(\?{1,2})\s*$`)
	})
	// magicName matches the start of a line or cell magic.
	magicName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^%%?([A-Za-z_][A-Za-z0-9_]*)(?:\s+|$)`)
	})
)

// isMagicText tells whether a line, if it stands at the top level of a
// cell, is a magic line: % or ! followed by something else than = (so that
// neither "%=" nor "!=" is one), or a help line.
func isMagicText(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if t == "" {
		return false
	}
	switch t[0] {
	case '%', '!':
		return len(t) > 1 && t[1] != '='
	}
	return helpLine().MatchString(line)
}

// MagicLines reports, for each line of code (index 0 is line 1), whether it
// is a magic line: one that starts at the top level of the cell (outside
// brackets, strings and comments) with %, ! or ?, or is a name followed by
// ? or ??. Lines are separated by "\n".
// A shell line continued on the next ones is magic lines too.
func MagicLines(code string) []bool {
	lines := strings.Split(code, "\n")
	res := make([]bool, len(lines))
	for _, sp := range magicSpans(lines) {
		for i := sp.first; i <= sp.last; i++ {
			res[i] = true
		}
	}
	return res
}

// span is the lines (0-based, inclusive) of one magic.
type span struct{ first, last int }

// magicSpans finds the magics among lines, in order.
func magicSpans(lines []string) []span {
	var spans []span
	var l Lexer
	off := 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if l.AtTop() && isMagicText(line) {
			sp := span{i, i}
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "!") {
				for sp.last+1 < len(lines) && continued(lines[sp.last]) {
					sp.last++
				}
			}
			spans = append(spans, sp)
			for ; i < sp.last; i++ {
				off += len(lines[i]) + 1
			}
		} else {
			l.Feed(line+"\n", off)
		}
		off += len(lines[i]) + 1
	}
	return spans
}

// continued tells whether a shell line goes on on the next line: it ends
// with a backslash that no backslash escapes.
func continued(line string) bool {
	line = strings.TrimSuffix(line, "\r")
	n := len(line) - len(strings.TrimRight(line, "\\"))
	return n%2 == 1
}

// OpenShellLine tells whether code ends with a shell line whose last
// backslash asks for one more line.
func OpenShellLine(code string) bool {
	lines := strings.Split(code, "\n")
	sps := magicSpans(lines)
	if len(sps) == 0 {
		return false
	}
	last := sps[len(sps)-1]
	return last.last == len(lines)-1 && strings.HasPrefix(strings.TrimLeft(lines[last.first], " \t"), "!") && continued(lines[last.last])
}

// Magics reads the magic lines of code, in order.
func Magics(code string) []MagicLine {
	var ms []MagicLine
	lines := strings.Split(code, "\n")
	for _, sp := range magicSpans(lines) {
		ms = append(ms, readMagic(sp.first+1, strings.Join(lines[sp.first:sp.last+1], "\n"), sp.last+1))
	}
	return ms
}

// readMagic reads the magic on lines n to end, text.
func readMagic(n int, line string, end int) MagicLine {
	t := strings.TrimSpace(line)
	m := MagicLine{Line: n, EndLine: end, Text: t}
	if sub := helpLine().FindStringSubmatch(t); sub != nil {
		m.Kind = Help
		if sub[1] != "" {
			m.Name, m.Args = sub[1], sub[2]
		} else {
			m.Name, m.Args = sub[4], sub[3]
		}
		return m
	}
	switch t[0] {
	case '%':
		m.Kind = LineMagic
		if strings.HasPrefix(t, "%%") {
			m.Kind = CellMagic
		}
		if sub := magicName().FindStringSubmatch(t); sub != nil {
			m.Name, m.Args = sub[1], strings.TrimSpace(t[len(sub[0]):])
		} else {
			m.Args = strings.TrimSpace(strings.TrimLeft(t, "%"))
		}
	case '!':
		m.Kind, m.Name, m.Args = Shell, "!", strings.TrimSpace(t[1:])
	}
	return m
}

// BlankMagics replaces the magic lines of code by spaces, keeping line
// numbers and byte offsets.
func BlankMagics(code string) string {
	marks := MagicLines(code)
	lines := strings.Split(code, "\n")
	for i, m := range marks {
		if m {
			lines[i] = strings.Repeat(" ", len(lines[i]))
		}
	}
	return strings.Join(lines, "\n")
}

// StartsWithCellMagic tells whether the first non-blank line of code is a
// %% cell magic line: the rest of the cell is then the magic's body, not
// code of the cell.
func StartsWithCellMagic(code string) bool {
	return strings.HasPrefix(strings.TrimLeft(code, " \t\r\n"), "%%")
}
