package interp

import (
	"context"
	"fmt"
	"io"
	osexec "os/exec"
	"reflect"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

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

// runtimeSymbols are the engine's hooks, visible to rewritten cells as
// package __gopar, and the overrides of os.Exit and time.Sleep.
func (e *Engine) runtimeSymbols(st *state) yaegi.Exports {
	return yaegi.Exports{
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
				labelGoroutine()
				f()
			}),
			"Stdin":   reflect.ValueOf(io.Reader(&stdinReader{e: e})),
			"Print":   reflect.ValueOf(func(v ...any) { fmt.Fprint(e.cap.errW, v...) }),
			"Println": reflect.ValueOf(func(v ...any) { fmt.Fprintln(e.cap.errW, v...) }),
		},
		"os/os": {
			"Exit": reflect.ValueOf(func(code int) { panic(exitError{code}) }),
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
