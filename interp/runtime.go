package interp

import (
	"context"
	"fmt"
	"io"
	osexec "os/exec"
	"reflect"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gopar/gopar/internal/pgroup"
)

// The runtime is what the engine gives the interpreter besides the
// standard library: package __gopar (the hooks rewritten cells call), the
// stand-ins for the min and max builtins that yaegi lacks, the overrides
// of os.Exit, time.Sleep and os/exec's Command and CommandContext, and the
// stdin reader.

const rtPath = "github.com/gopar/gopar/interp/rt"

// prelude defines, in the interpreter, what cells get in place of the
// min and max builtins that yaegi lacks.
const prelude = `package main

type __gopar_ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func __gopar_min[T __gopar_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y < x || y != y {
			x = y
		}
	}
	return x
}

func __gopar_max[T __gopar_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y > x || y != y {
			x = y
		}
	}
	return x
}
`

// clearValue is the clear builtin: it deletes a map's entries or zeroes a
// slice's elements.
func clearValue(v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		rv.Clear()
	case reflect.Slice:
		rv.Clear()
	}
}

// fmtOverrides is the key under which runtimeSymbols replaces functions of
// package fmt. Any key whose directory is "fmt" adds to package fmt; the
// key "fmt/fmt" itself would make yaegi's Use put back its own Print,
// Printf and Println (and os.Stdout, os.Stderr and log's functions): it
// calls fixStdlib whenever the table it loads has that key.
const fmtOverrides = "fmt/gopar_overrides"

// runtimeSymbols are the engine's hooks, visible to rewritten cells as
// package __gopar, and the overrides of os.Exit, os.Stdout, os.Stderr,
// time.Sleep, os/exec's Command and CommandContext, and fmt's print
// functions (which count the output of goroutines of earlier cells, see
// capture.write).
func (e *Engine) runtimeSymbols(st *state) yaegi.Exports {
	c := e.cap
	cellCount := func() int {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.curCell == nil {
			return 0
		}
		return st.curCell.count
	}
	stdout := c.stdout
	prints := map[string]reflect.Value{
		"Print": reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fprint(stdout(), a...) }),
		"Printf": reflect.ValueOf(func(format string, a ...any) (int, error) {
			return fmt.Fprintf(stdout(), format, a...)
		}),
		"Println": reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fprintln(stdout(), a...) }),
		"Fprint":  reflect.ValueOf(func(w io.Writer, a ...any) (int, error) { return fmt.Fprint(c.stream(w), a...) }),
		"Fprintf": reflect.ValueOf(func(w io.Writer, format string, a ...any) (int, error) {
			return fmt.Fprintf(c.stream(w), format, a...)
		}),
		"Fprintln": reflect.ValueOf(func(w io.Writer, a ...any) (int, error) { return fmt.Fprintln(c.stream(w), a...) }),
	}
	// The replacements wrap values of cell-defined types as the originals
	// do, so that their String and Format methods are called.
	mapTypes := map[reflect.Value][]reflect.Type{}
	for name, v := range prints {
		mapTypes[v] = stdlib.MapTypes[reflect.ValueOf(fmtFuncs[name])]
	}
	return yaegi.Exports{
		".":          {"MapTypes": reflect.ValueOf(mapTypes)},
		fmtOverrides: prints,
		rtPath + "/rt": {
			"Result": reflect.ValueOf(func(v ...any) {
				st.mu.Lock()
				st.result, st.hasResult = v, true
				st.mu.Unlock()
			}),
			"Clear": reflect.ValueOf(clearValue),
			"Mime": reflect.ValueOf(func(kind string, data any) {
				st.mu.Lock()
				st.mimes = append(st.mimes, mime{kind, data})
				st.mu.Unlock()
			}),
			"Started": reflect.ValueOf(func() {
				c.started(cellCount)
				st.mu.Lock()
				if st.started != nil {
					close(st.started)
					st.started = nil
				}
				st.mu.Unlock()
			}),
			"Guard": reflect.ValueOf(func(f func()) {
				defer func() {
					if r := recover(); r != nil {
						st.goPanic(r)
					}
				}()
				defer c.enter(labelGoroutine, cellCount)()
				f()
			}),
			"Stdin":   reflect.ValueOf(io.Reader(&stdinReader{e: e})),
			"Print":   reflect.ValueOf(func(v ...any) { fmt.Fprint(c.stderr(), v...) }),
			"Println": reflect.ValueOf(func(v ...any) { fmt.Fprintln(c.stderr(), v...) }),
		},
		"os/os": {
			"Exit":   reflect.ValueOf(func(code int) { panic(exitError{code}) }),
			"Stdout": reflect.ValueOf(&c.cellOut).Elem(),
			"Stderr": reflect.ValueOf(&c.cellErr).Elem(),
		},
		"time/time": {
			"Sleep": reflect.ValueOf(func(d time.Duration) { st.sleep(d) }),
		},
		"os/exec/exec": {
			"Command": reflect.ValueOf(func(name string, arg ...string) *osexec.Cmd {
				return e.command(context.Background(), name, arg...)
			}),
			"CommandContext": reflect.ValueOf(func(ctx context.Context, name string, arg ...string) *osexec.Cmd {
				if ctx == nil {
					panic("nil Context") // as os/exec does
				}
				return e.command(ctx, name, arg...)
			}),
		},
	}
}

// command is exec.CommandContext for cells: the command runs in a process
// group of its own, killed whole (with what it started) when ctx ends, as
// exec.CommandContext does, and also when the cell that created the command
// is interrupted or times out while it runs. A command created while no
// cell runs (by a goroutine of an earlier cell) ends with ctx only, or with
// the engine's process (engine/proc kills what is left in its session).
// A command that ends normally is unaffected: it may outlive its cell.
func (e *Engine) command(ctx context.Context, name string, arg ...string) *osexec.Cmd {
	e.ctxMu.Lock()
	cell := e.cellCtx
	e.ctxMu.Unlock()
	pctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(cell, func() {
		// The cell's context ends at an interrupt or timeout, while the
		// cell runs, and also once the cell has returned (the caller's
		// cleanup): only the first is the cell's end for its commands.
		e.ctxMu.Lock()
		running := e.cellCtx == cell
		e.ctxMu.Unlock()
		if running {
			cancel()
		}
	})
	cmd := osexec.CommandContext(pctx, name, arg...)
	pgroup.Isolate(cmd)
	return cmd
}

// fmtFuncs are fmt's print functions, by name, whose MapTypes entries
// their replacements take.
var fmtFuncs = map[string]any{
	"Print": fmt.Print, "Printf": fmt.Printf, "Println": fmt.Println,
	"Fprint": fmt.Fprint, "Fprintf": fmt.Fprintf, "Fprintln": fmt.Fprintln,
}

// exitError is what os.Exit panics with inside cells.
type exitError struct{ code int }

func (x exitError) Error() string {
	return fmt.Sprintf("os.Exit(%d) called: the kernel keeps running", x.code)
}

// stdinReader is the interpreter's stdin (fmt.Scan*): it asks the frontend
// for a line through the running cell's Output.
type stdinReader struct {
	e   *Engine
	buf []byte
}

func (r *stdinReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		r.e.ctxMu.Lock()
		ctx, allow := r.e.cellCtx, r.e.allowStdin
		r.e.ctxMu.Unlock()
		out := r.e.cap.output()
		if !allow || out == nil {
			return 0, io.EOF
		}
		line, err := out.Input(ctx, "", false)
		if err != nil {
			if ctx.Err() != nil {
				panic(errInterrupted)
			}
			return 0, io.EOF
		}
		r.buf = []byte(line + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
