package kernel

import "sync"

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

// globMatch reports whether s matches pattern as a whole, where * matches
// any run of characters (newlines included) and ? any one character.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
