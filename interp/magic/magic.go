// Package magic parses and runs the IPython-style magics of gopar cells.
// `%help` in a cell lists them all with their usage; `%lsmagic` names them.
//
// Cell magics stand on a cell's first line and apply to the whole cell:
//
//   - %%time and %%timeit time the cell, once or over many runs;
//   - %%native compiles the cell's declarations with the Go toolchain and
//     loads them into the engine's process (package interp/native);
//   - %%everywhere runs the cell here, then on every worker of package dist
//     and on the workers added later (Julia's @everywhere).
//
// Line magics may stand on any line of a cell, at its top level: %time and
// %timeit (one statement or expression), %threads, %memlimit, %env, %cd,
// %pwd, %who, %whos, %reset, %go get (fetches or pins a module for native
// imports),
// %help and %lsmagic. Shell lines (!cmd, run by sh -c; on Unix an interrupt
// stops its whole process group) and help lines (?name, name?; ?? for more)
// are written without %. A cell with a cell magic holds no other magic.
//
// The magic lines are found by package cellsyntax; the magics are one table
// (table.go), which parsing, running, %help and %lsmagic read. The package
// runs Go code only through a Host, which the engine implements (and
// NativeHost, for %%native and %go).
package magic

import (
	"context"
	"fmt"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/complete"
)

// Magic is one magic of a cell.
type Magic struct {
	// Line is the 1-based line of the cell the magic is on.
	Line int
	// EndLine is its last line: Line, except for a shell line continued
	// with backslashes (see cellsyntax.Shell).
	EndLine int
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
	// CellMagic is the cell magic (%%time, %%native, …) of the first
	// line, if any; the whole Source is then its body.
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

// Parse finds the magics of a cell, read by package cellsyntax: magic
// lines start at the top level of the cell (not inside brackets, strings or
// comments), possibly indented. An unknown magic, or a %% cell magic not on
// the first line, is an error that names the known ones.
func Parse(code string) (Cell, error) {
	lines := strings.Split(code, "\n")
	var c Cell
	for _, ml := range cellsyntax.Magics(code) {
		i := ml.Line - 1
		m := Magic{Line: ml.Line, EndLine: ml.EndLine, Name: ml.Name, Args: ml.Args}
		switch ml.Kind {
		case cellsyntax.CellMagic:
			if cellForm(ml.Name) == nil {
				return Cell{}, fmt.Errorf("line %d: unknown cell magic %s (known: %s)", ml.Line, firstWord(ml.Text), known(true))
			}
			if i != firstCodeLine(lines) {
				return Cell{}, fmt.Errorf("line %d: cell magic %%%%%s must be on the first line of the cell", ml.Line, ml.Name)
			}
			m.Cell = true
			c.CellMagic = &m
		case cellsyntax.LineMagic:
			if lineForm(ml.Name) == nil {
				return Cell{}, fmt.Errorf("line %d: unknown magic %s (known: %s; cell magics: %s)", ml.Line, firstWord(ml.Text), known(false), known(true))
			}
			c.Magics = append(c.Magics, m)
		default: // shell and help lines
			c.Magics = append(c.Magics, m)
		}
		for j := i; j < ml.EndLine; j++ {
			lines[j] = ""
		}
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

// Exec runs one line magic, a shell line or a help line.
func Exec(ctx context.Context, m Magic, h Host) engine.ExecuteResult {
	if s := lookup(m.Name); s != nil && s.line != nil {
		return s.line.run(ctx, m, "", h)
	}
	return errResult(engine.UsageError, "unknown magic %%%s (known: %s)", m.Name, known(false))
}

// ExecCell runs a cell magic (%%time, %%timeit) on body, the cell's Go
// source with the magic's line blanked.
func ExecCell(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
	if f := cellForm(m.Name); f != nil {
		return f.run(ctx, m, body, h)
	}
	return errResult(engine.UsageError, "unknown cell magic %%%%%s (known: %s)", m.Name, known(true))
}
