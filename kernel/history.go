package kernel

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// historySession is the session number of the running process; the kernel
// keeps no history of earlier processes.
const historySession = 1

// histEntry is one stored cell.
type histEntry struct {
	line   int
	input  string
	output string // text/plain of the execute_result, if any
}

// history is the in-memory input history of this kernel session.
type history struct {
	mu      sync.Mutex
	entries []histEntry
}

// add stores a cell under its execution count.
func (h *history) add(line int, input string) {
	h.mu.Lock()
	h.entries = append(h.entries, histEntry{line: line, input: input})
	h.mu.Unlock()
}

// setOutput records the text result of the cell stored under line.
func (h *history) setOutput(line int, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.entries) - 1; i >= 0; i-- {
		if h.entries[i].line == line {
			h.entries[i].output = output
			return
		}
	}
}

// historyRequest is the content of a history_request.
type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           *int   `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query answers a history request with [session, line, input] triples, or
// [session, line, [input, output]] when output is asked for.
func (h *history) query(r historyRequest) []any {
	h.mu.Lock()
	entries := append([]histEntry(nil), h.entries...)
	h.mu.Unlock()

	var picked []histEntry
	switch r.HistAccessType {
	case "tail":
		n := 10
		if r.N != nil {
			n = *r.N
		}
		picked = tail(entries, n)
	case "range":
		session := r.Session
		if session <= 0 {
			session += historySession // 0 is this session, -1 the one before
		}
		if session != historySession {
			break
		}
		for _, e := range entries {
			if e.line < r.Start {
				continue
			}
			if r.Stop != nil && *r.Stop > 0 && e.line >= *r.Stop {
				continue
			}
			picked = append(picked, e)
		}
	case "search":
		pattern := r.Pattern
		if pattern == "" {
			pattern = "*"
		}
		var matched []histEntry
		for _, e := range entries {
			if globMatch(pattern, e.input) {
				matched = append(matched, e)
			}
		}
		if r.Unique {
			// Keep the latest of each distinct input.
			last := map[string]int{}
			for i, e := range matched {
				last[e.input] = i
			}
			var uniq []histEntry
			for i, e := range matched {
				if last[e.input] == i {
					uniq = append(uniq, e)
				}
			}
			matched = uniq
		}
		picked = matched
		if r.N != nil && *r.N > 0 {
			picked = tail(matched, *r.N)
		}
	}
	out := make([]any, 0, len(picked))
	for _, e := range picked {
		if r.Output {
			var o any
			if e.output != "" {
				o = e.output
			}
			out = append(out, []any{historySession, e.line, []any{e.input, o}})
		} else {
			out = append(out, []any{historySession, e.line, e.input})
		}
	}
	return out
}

func tail(entries []histEntry, n int) []histEntry {
	if n < 0 {
		n = 0
	}
	if n < len(entries) {
		return entries[len(entries)-n:]
	}
	return entries
}

// maxGlobPattern is SQLite's default limit on the length of a GLOB pattern
// (SQLITE_LIMIT_LIKE_PATTERN_LENGTH): a longer one is an error there (the
// search finds nothing), and matches nothing here.
const maxGlobPattern = 50000

// globMatch reports whether s matches pattern as IPython's history search
// matches it: with SQLite's GLOB, over the whole input, case-sensitively.
// In the pattern, * matches any run of characters (newlines included), ?
// any one character, and [...] one character of a set, which may hold
// ranges (a-z) and be negated by a leading ^; a ] right after [ or [^ is a
// member, as is a - first or last. There is no escape character, and like
// SQLite's C strings, pattern and s end at a NUL.
func globMatch(pattern, s string) bool {
	if len(pattern) > maxGlobPattern {
		return false
	}
	pattern, _, _ = strings.Cut(pattern, "\x00")
	s, _, _ = strings.Cut(s, "\x00")
	return globCompare(pattern, s) == globMatched
}

// Results of globCompare, as of SQLite's patternCompare.
const (
	globMatched = iota
	globNoMatch
	// globNoStarMatch is no match, and tells the caller that moving an
	// earlier * on cannot help: the rest of the pattern matches nowhere.
	globNoStarMatch
)

// globCompare is SQLite's patternCompare for GLOB.
func globCompare(p, s string) int {
	for p != "" {
		c, n := utf8.DecodeRuneInString(p)
		p = p[n:]
		switch c {
		case '*':
			// Further * and ? right after: each ? takes one character.
			for p != "" && (p[0] == '*' || p[0] == '?') {
				if p[0] == '?' {
					if s == "" {
						return globNoStarMatch
					}
					s = skipRune(s)
				}
				p = p[1:]
			}
			if p == "" {
				return globMatched
			}
			if p[0] == '[' {
				for ; s != ""; s = skipRune(s) {
					if r := globCompare(p, s); r != globNoMatch {
						return r
					}
				}
				return globNoStarMatch
			}
			c, n := utf8.DecodeRuneInString(p)
			p = p[n:]
			for s != "" {
				c2, m := utf8.DecodeRuneInString(s)
				s = s[m:]
				if c2 != c {
					continue
				}
				if r := globCompare(p, s); r != globNoMatch {
					return r
				}
			}
			return globNoStarMatch
		case '[':
			if s == "" {
				return globNoMatch
			}
			c2, m := utf8.DecodeRuneInString(s)
			s = s[m:]
			in, rest, ok := globSet(p, c2)
			if !ok || !in {
				return globNoMatch
			}
			p = rest
		case '?':
			if s == "" {
				return globNoMatch
			}
			s = skipRune(s)
		default:
			c2, m := utf8.DecodeRuneInString(s)
			if s == "" || c2 != c {
				return globNoMatch
			}
			s = s[m:]
		}
	}
	if s == "" {
		return globMatched
	}
	return globNoMatch
}

// globSet matches c against the set at the start of p, just after its [.
// It returns whether c is in the set, the pattern after the set's ], and
// false if the set has no ].
func globSet(p string, c rune) (in bool, rest string, ok bool) {
	next := func() rune {
		if p == "" {
			return 0
		}
		r, n := utf8.DecodeRuneInString(p)
		p = p[n:]
		return r
	}
	invert, seen := false, false
	c2 := next()
	if c2 == '^' {
		invert = true
		c2 = next()
	}
	if c2 == ']' {
		seen = c == ']'
		c2 = next()
	}
	var prior rune // the member before a -, if it may start a range
	for c2 != 0 && c2 != ']' {
		if c2 == '-' && p != "" && p[0] != ']' && prior > 0 {
			c2 = next()
			if c >= prior && c <= c2 {
				seen = true
			}
			prior = 0
		} else {
			if c == c2 {
				seen = true
			}
			prior = c2
		}
		c2 = next()
	}
	if c2 == 0 {
		return false, p, false
	}
	return seen != invert, p, true
}

// skipRune returns s without its first character.
func skipRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[n:]
}
