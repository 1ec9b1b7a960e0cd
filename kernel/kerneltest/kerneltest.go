// Package kerneltest provides Engine, a toy engine.Engine for testing package
// kernel. Its cells are written in a small command language, so that a test
// (or a Jupyter client talking to kernel/testdata/echokernel) decides exactly
// what a cell shows and when it fails, blocks or asks for input.
//
// A cell is a list of lines, each a command "NAME" or "NAME:ARG"; lines
// that are not commands are ignored. The commands run in order:
//
//	out:TEXT      writes TEXT and a newline to stdout
//	err:TEXT      writes TEXT and a newline to stderr
//	lines:N       writes the lines "0" to "N-1" to stdout, one write each
//	display:TEXT  shows TEXT (text/plain, and bold in text/html) as display "d1"
//	update:TEXT   updates display "d1" to show TEXT
//	clear         clears the cell's output at once
//	clear:wait    clears the cell's output when new output arrives
//	result:TEXT   makes TEXT (text/plain) the cell's result
//	page:TEXT     adds a "page" payload showing TEXT to the reply
//	input:PROMPT  asks for a line of input, then writes "got LINE" to stdout
//	fail:TEXT     ends the cell with an error of kind FailKind and value TEXT
//	panic:TEXT    panics with TEXT
//	block         waits until the cell is interrupted
//	gate:NAME     waits until Open(NAME) is called or the cell is interrupted
//
// A cell that fails (fail, an interrupted block or gate, a failed input)
// keeps the result and payloads its earlier lines made. Each user expression
// EXPR evaluates to the text "value of EXPR".
//
// Outside cells: completion proposes the command names that start with the
// letters before the cursor; inspection of any non-empty code finds
// "doc of CODE at CURSOR (detail D)"; code ending in a backslash is
// incomplete (indent two spaces) and code starting with "!" is invalid.
package kerneltest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/gopar/gopar/engine"
)

// FailKind is the kind of the error that the fail command ends a cell with.
const FailKind engine.Kind = "ToyError"

// DisplayID is the display_id of the display and update commands.
const DisplayID = "d1"

// Engine is the toy engine. The zero value is ready to use.
type Engine struct {
	// Started, when not nil, receives each cell's code as the cell starts;
	// Execute waits until it is received or buffered.
	Started chan string

	mu             sync.Mutex
	gates          map[string]chan struct{} // closed when open
	closed         bool
	idleInterrupts int
}

var (
	_ engine.Engine          = (*Engine)(nil)
	_ engine.IdleInterrupter = (*Engine)(nil)
)

// InterruptIdle implements engine.IdleInterrupter: it counts the calls.
func (e *Engine) InterruptIdle() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.idleInterrupts++
}

// IdleInterrupts is how many times InterruptIdle was called.
func (e *Engine) IdleInterrupts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.idleInterrupts
}

// Open opens gate name: cells waiting at "gate:NAME" go on, and later
// ones pass it at once. Opening an open gate does nothing.
func (e *Engine) Open(name string) {
	g := e.gate(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-g:
	default:
		close(g)
	}
}

// gate returns the channel of gate name, which is closed when it is open.
func (e *Engine) gate(name string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gates == nil {
		e.gates = map[string]chan struct{}{}
	}
	g, ok := e.gates[name]
	if !ok {
		g = make(chan struct{})
		e.gates[name] = g
	}
	return g
}

// Closed reports whether Close was called.
func (e *Engine) Closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Info implements engine.Engine.
func (e *Engine) Info() engine.Info {
	return engine.Info{
		Implementation:        "kerneltest",
		ImplementationVersion: "0.1",
		LanguageInfo: map[string]any{
			"name": "toy", "version": "1", "mimetype": "text/plain", "file_extension": ".toy",
		},
		Banner: "the toy engine of package kernel's tests",
	}
}

// Execute implements engine.Engine: it runs the cell's commands in order.
func (e *Engine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	if e.Started != nil {
		e.Started <- req.Code
	}
	c := &cell{e: e, ctx: ctx, out: out}
	c.res.UserExpressions = userExpressions(req.UserExpressions)
	for _, line := range strings.Split(req.Code, "\n") {
		name, arg, _ := strings.Cut(line, ":")
		if run, ok := commands[name]; ok {
			if err := run(c, arg); err != nil {
				c.res.Err = err
				break
			}
		}
	}
	return c.res
}

// userExpressions evaluates each expression to "value of EXPR"; nil when
// there are none.
func userExpressions(exprs map[string]string) map[string]any {
	if len(exprs) == 0 {
		return nil
	}
	values := map[string]any{}
	for name, expr := range exprs {
		values[name] = map[string]any{
			"status":   "ok",
			"data":     map[string]any{"text/plain": "value of " + expr},
			"metadata": map[string]any{},
		}
	}
	return values
}

// Complete implements engine.Engine: it proposes the command names that
// start with the letters before cursor.
func (e *Engine) Complete(code string, cursor int) engine.Completion {
	r := []rune(code)
	cursor = min(max(cursor, 0), len(r))
	start := cursor
	for start > 0 && unicode.IsLetter(r[start-1]) {
		start--
	}
	prefix := string(r[start:cursor])
	var matches []string
	for name := range commands {
		if strings.HasPrefix(name, prefix) {
			matches = append(matches, name)
		}
	}
	slices.Sort(matches)
	return engine.Completion{Matches: matches, CursorStart: start, CursorEnd: cursor}
}

// Inspect implements engine.Engine: any non-empty code is found.
func (e *Engine) Inspect(code string, cursor, detail int) engine.Inspection {
	if code == "" {
		return engine.Inspection{}
	}
	text := fmt.Sprintf("doc of %s at %d (detail %d)", code, cursor, detail)
	return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": text}}
}

// IsComplete implements engine.Engine: a final backslash continues the
// cell, a leading "!" makes it invalid.
func (e *Engine) IsComplete(code string) (status, indent string) {
	switch {
	case strings.HasSuffix(code, `\`):
		return engine.Incomplete, "  "
	case strings.HasPrefix(code, "!"):
		return engine.Invalid, ""
	}
	return engine.Complete, ""
}

// Close implements engine.Engine; see Closed.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	return nil
}

// cell is one Execute call.
type cell struct {
	e   *Engine
	ctx context.Context
	out engine.Output
	res engine.ExecuteResult
}

// commands maps each command name to what it does with its argument. A
// command that returns an error ends the cell with it.
var commands = map[string]func(c *cell, arg string) *engine.Error{
	"out":     (*cell).stdout,
	"err":     (*cell).stderr,
	"lines":   (*cell).lines,
	"display": (*cell).display,
	"update":  (*cell).update,
	"clear":   (*cell).clear,
	"result":  (*cell).result,
	"page":    (*cell).page,
	"input":   (*cell).input,
	"fail":    (*cell).fail,
	"panic":   (*cell).panicWith,
	"block":   (*cell).block,
	"gate":    (*cell).gate,
}

func (c *cell) stdout(text string) *engine.Error {
	c.out.Stream("stdout", text+"\n")
	return nil
}

func (c *cell) stderr(text string) *engine.Error {
	c.out.Stream("stderr", text+"\n")
	return nil
}

func (c *cell) lines(n string) *engine.Error {
	count, _ := strconv.Atoi(n)
	for i := range count {
		c.out.Stream("stdout", strconv.Itoa(i)+"\n")
	}
	return nil
}

// shown is the bundle of the display and update commands.
func shown(text string) engine.Bundle {
	return engine.Bundle{"text/plain": text, "text/html": "<b>" + text + "</b>"}
}

func (c *cell) display(text string) *engine.Error {
	c.out.Display(engine.Display{Data: shown(text), ID: DisplayID})
	return nil
}

func (c *cell) update(text string) *engine.Error {
	c.out.Display(engine.Display{Data: shown(text), ID: DisplayID, Update: true})
	return nil
}

func (c *cell) clear(arg string) *engine.Error {
	c.out.Clear(arg == "wait")
	return nil
}

func (c *cell) result(text string) *engine.Error {
	c.res.Result = &engine.Display{Data: engine.Bundle{"text/plain": text}}
	return nil
}

func (c *cell) page(text string) *engine.Error {
	c.res.Payloads = append(c.res.Payloads, map[string]any{
		"source": "page", "data": map[string]any{"text/plain": text}, "start": 0,
	})
	return nil
}

func (c *cell) input(prompt string) *engine.Error {
	line, err := c.out.Input(c.ctx, prompt, false)
	if err != nil {
		return engine.NewError(engine.OtherError, err.Error())
	}
	return c.stdout("got " + line)
}

func (c *cell) fail(text string) *engine.Error {
	return engine.NewError(FailKind, text)
}

func (c *cell) panicWith(text string) *engine.Error {
	panic(text)
}

func (c *cell) block(string) *engine.Error {
	<-c.ctx.Done()
	return interrupted()
}

func (c *cell) gate(name string) *engine.Error {
	select {
	case <-c.e.gate(name):
		return nil
	case <-c.ctx.Done():
		return interrupted()
	}
}

func interrupted() *engine.Error {
	return engine.NewError(engine.Interrupt, "interrupted")
}
