// Package magic parses and runs the IPython-style magics of gopar cells:
// line magics (%time, %timeit, %threads, %env, %cd, %who, %whos, %reset,
// %help, %pwd, %lsmagic), cell magics (%%time, %%timeit), shell lines (!cmd)
// and help lines (?name, name?), whose lines package cellsyntax reads. It
// runs Go code only through a Host, which the engine implements.
package magic

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/complete"
)

// Magic is one magic of a cell.
type Magic struct {
	// Line is the 1-based line of the cell the magic is on.
	Line int
	// Name is the magic's name without %: "time", "timeit", "threads", …;
	// "!" for a shell line, "?" for a help line and "??" for a detailed
	// help line.
	Name string
	// Args is the rest of the line: Go code for time and timeit, the
	// command for "!", the name asked about for "?" and "??".
	Args string
	// Cell is set for a %%name cell magic, which applies to the whole cell.
	Cell bool
}

// Cell is a parsed cell.
type Cell struct {
	// Source is the cell's Go source with every magic line replaced by an
	// empty line, so that line numbers are those of the cell as typed.
	Source string
	// Magics are the line magics in source order.
	Magics []Magic
	// CellMagic is the %%time or %%timeit magic of the first line, if any;
	// the whole Source is then its body.
	CellMagic *Magic
}

// Var is a user variable listed by %who.
type Var struct {
	// Name, Type and Value (a short %v text) of the variable.
	Name, Type, Value string
}

// Host is what magics need from the engine.
type Host interface {
	// RunSource runs Go source as a cell (without magics).
	RunSource(ctx context.Context, src string) engine.ExecuteResult
	// Vars lists the user's variables, for %who.
	Vars() []Var
	// Reset replaces the interpreter by a fresh one, for %reset.
	Reset() error
	// Output is where magics print.
	Output() engine.Output
	// Scope is used to answer ?name help lines.
	Scope() complete.Scope
}

// lineMagics are the known line magics with a one-line description.
var lineMagics = map[string]string{
	"time":    "%time STMT_OR_EXPR — run once; show wall and CPU time, allocations and GC (like Julia's @time)",
	"timeit":  "%timeit [-n N] [-r R] STMT_OR_EXPR — time many runs: min, median, mean ± std per loop",
	"threads": "%threads [N] — show or set GOMAXPROCS and parlib's default thread count",
	"env":     "%env, %env NAME, %env NAME=VALUE — list, show or set environment variables",
	"cd":      "%cd [DIR] — show or change the working directory (~ is your home)",
	"pwd":     "%pwd — show the working directory",
	"who":     "%who — list the variables defined by earlier cells, with their types",
	"whos":    "%whos — table of variables: name, type, value",
	"reset":   "%reset — forget everything: a fresh interpreter",
	"help":    "%help — this help: magics, display functions, a parlib tour",
	"lsmagic": "%lsmagic — list the magics",
}

// cellMagics are the known cell magics.
var cellMagics = map[string]string{
	"time":   "%%time — on the first line: time the whole cell once",
	"timeit": "%%timeit [-n N] [-r R] — on the first line: time the whole cell over many runs",
}

func known(m map[string]string, prefix string) string {
	var names []string
	for n := range m {
		names = append(names, prefix+n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Parse finds the magics of a cell, read by package cellsyntax: magic
// lines start at the top level of the cell (not inside brackets, strings or
// comments), possibly indented. An unknown magic, or a %% cell magic not on
// the first line, is an error that names the known ones.
func Parse(code string) (Cell, error) {
	lines := strings.Split(code, "\n")
	var c Cell
	for _, ml := range cellsyntax.Magics(code) {
		i := ml.Line - 1
		m := Magic{Line: ml.Line, Name: ml.Name, Args: ml.Args}
		switch ml.Kind {
		case cellsyntax.CellMagic:
			if cellMagics[ml.Name] == "" {
				return Cell{}, fmt.Errorf("line %d: unknown cell magic %s (known: %s)", ml.Line, firstWord(ml.Text), known(cellMagics, "%%"))
			}
			if i != firstCodeLine(lines) {
				return Cell{}, fmt.Errorf("line %d: cell magic %%%%%s must be on the first line of the cell", ml.Line, ml.Name)
			}
			m.Cell = true
			c.CellMagic = &m
		case cellsyntax.LineMagic:
			if lineMagics[ml.Name] == "" {
				return Cell{}, fmt.Errorf("line %d: unknown magic %s (known: %s; cell magics: %s)", ml.Line, firstWord(ml.Text), known(lineMagics, "%"), known(cellMagics, "%%"))
			}
			c.Magics = append(c.Magics, m)
		default: // shell and help lines
			c.Magics = append(c.Magics, m)
		}
		lines[i] = ""
	}
	if c.CellMagic != nil && len(c.Magics) > 0 {
		return Cell{}, fmt.Errorf("line %d: a %%%%%s cell cannot hold other magics, shell or help lines", c.Magics[0].Line, c.CellMagic.Name)
	}
	c.Source = strings.Join(lines, "\n")
	return c, nil
}

// firstCodeLine is the index of the first non-blank line.
func firstCodeLine(lines []string) int {
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			return i
		}
	}
	return 0
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// errResult is a failed magic.
func errResult(kind engine.Kind, format string, args ...any) engine.ExecuteResult {
	msg := fmt.Sprintf(format, args...)
	return engine.ExecuteResult{Err: engine.NewError(kind, msg)}
}

// interrupted is the result of a magic stopped by its context (named as
// the engine names an interrupted cell).
func interrupted() engine.ExecuteResult {
	return errResult(engine.Interrupt, "the cell was interrupted")
}

// Exec runs one line magic.
func Exec(ctx context.Context, m Magic, h Host) engine.ExecuteResult {
	out := h.Output()
	switch m.Name {
	case "time":
		return timeRun(ctx, m, m.Args, h)
	case "timeit":
		return timeit(ctx, m, m.Args, "", h)
	case "threads":
		return threads(m.Args, out)
	case "env":
		return env(m.Args, out)
	case "cd":
		return cd(m.Args, out)
	case "pwd":
		return cd("", out)
	case "who":
		return who(h, false)
	case "whos":
		return who(h, true)
	case "reset":
		if err := h.Reset(); err != nil {
			return errResult(engine.InterpreterError, "%v", err)
		}
		out.Stream("stdout", "Interpreter reset: every name defined by earlier cells is gone.\n")
		return engine.ExecuteResult{}
	case "help":
		return help(out)
	case "lsmagic":
		out.Stream("stdout", "Line magics: "+known(lineMagics, "%")+"\nCell magics: "+known(cellMagics, "%%")+
			"\nShell: !cmd    Help: ?name, name?, ??name\n")
		return engine.ExecuteResult{}
	case "!":
		return shell(ctx, m.Args, out)
	case "?", "??":
		return pageHelp(m, h)
	}
	return errResult(engine.UsageError, "unknown magic %%%s (known: %s)", m.Name, known(lineMagics, "%"))
}

// ExecCell runs a %%time or %%timeit cell magic on body, the cell's Go
// source with the magic's line blanked.
func ExecCell(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
	switch m.Name {
	case "time":
		return timeRun(ctx, m, body, h)
	case "timeit":
		return timeit(ctx, m, m.Args, body, h)
	}
	return errResult(engine.UsageError, "unknown cell magic %%%%%s (known: %s)", m.Name, known(cellMagics, "%%"))
}

// pageHelp answers ?name with a pager payload.
func pageHelp(m Magic, h Host) engine.ExecuteResult {
	if name, ok := strings.CutPrefix(m.Args, "%"); ok {
		text := lineMagics[name]
		if c, ok := strings.CutPrefix(name, "%"); ok {
			text = cellMagics[c]
		}
		if text == "" {
			h.Output().Stream("stderr", fmt.Sprintf("Magic `%s` not found (known: %s).\n", m.Args, known(lineMagics, "%")))
			return engine.ExecuteResult{}
		}
		return engine.ExecuteResult{Payloads: []map[string]any{{"source": "page", "data": map[string]any{"text/plain": text}, "start": 0}}}
	}
	detail := 0
	if m.Name == "??" {
		detail = 1
	}
	in := complete.Inspect(m.Args, len([]rune(m.Args)), detail, h.Scope())
	if !in.Found {
		h.Output().Stream("stderr", fmt.Sprintf("Object `%s` not found.\n", m.Args))
		return engine.ExecuteResult{}
	}
	data := map[string]any{"text/plain": in.Data["text/plain"]}
	if md, ok := in.Data["text/markdown"]; ok {
		data["text/markdown"] = md
	}
	return engine.ExecuteResult{Payloads: []map[string]any{{"source": "page", "data": data, "start": 0}}}
}
