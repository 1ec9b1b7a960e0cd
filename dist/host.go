package dist

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gopar/gopar/engine"
)

// Host is the Go engine inside a worker process: it runs the cells that
// %%everywhere and Everywhere send, finds the functions that tasks call and
// holds the variables that Broadcast sends. Package interp implements it
// over its yaegi engine, so that a worker has the same packages and symbols
// as the kernel; tests use small stand-ins.
//
// A worker calls one method at a time.
type Host interface {
	// Exec runs Go source as a notebook cell: what it defines stays for
	// later cells and tasks. It returns the cell's error, if any.
	Exec(ctx context.Context, src string) error
	// Lookup returns the value that a Go expression names: the function a
	// task calls, such as "fib" (defined by an earlier Exec) or
	// "parlib.SlowSeries".
	Lookup(name string) (reflect.Value, error)
	// Define makes name a top-level variable of v's type holding v (or
	// assigns it, replacing an earlier variable of that name).
	Define(name string, v reflect.Value) error
	// Run calls f as the code of a running cell: with ctx as the cell's
	// context (parlib.Context, and whatever the engine stops on an
	// interrupt) and the engine's output going to the worker's Output.
	// It returns once what f printed has been passed on.
	Run(ctx context.Context, f func())
}

// NewHost creates a worker's Host. Everything the engine prints (the
// output of cells and of the functions tasks call) must go to out, which
// sends it to the notebook, where it shows as "From worker N: …". Close is
// called on the Host, if it has a Close method, when the worker ends.
type NewHost func(out engine.Output) (Host, error)

// Args holds the arguments of one call, for functions of several
// parameters: an input Args{1, 50_000_000} of Pmap calls fn(1, 50_000_000),
// where any other input x calls fn(x).
type Args []any

// call calls fn with args, converting each to its parameter's type, and
// returns what fn returned as one value: nil for no result, the result for
// one, a []any for several. A last result of type error that is not nil is
// returned as the error. A panic in fn is returned as a *PanicError.
func call(fn reflect.Value, args []any) (result any, err error) {
	if !fn.IsValid() || fn.Kind() != reflect.Func {
		return nil, fmt.Errorf("not a function")
	}
	if fn.IsNil() {
		return nil, fmt.Errorf("the function is nil")
	}
	ft := fn.Type()
	in, err := callArgs(ft, args)
	if err != nil {
		return nil, err
	}
	var out []reflect.Value
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = &PanicError{Value: fmt.Sprint(r)}
			}
		}()
		out = fn.Call(in)
	}()
	if err != nil {
		return nil, err
	}
	errType := reflect.TypeFor[error]()
	if n := len(out); n > 0 && ft.Out(n-1) == errType {
		if e := out[n-1]; !e.IsNil() {
			return nil, e.Interface().(error)
		}
		out = out[:n-1]
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return out[0].Interface(), nil
	}
	res := make([]any, len(out))
	for i, o := range out {
		res[i] = o.Interface()
	}
	return res, nil
}

// callArgs converts args to the parameters of a function of type ft.
func callArgs(ft reflect.Type, args []any) ([]reflect.Value, error) {
	n := ft.NumIn()
	if ft.IsVariadic() {
		if len(args) < n-1 {
			return nil, fmt.Errorf("takes at least %d arguments, got %d", n-1, len(args))
		}
	} else if len(args) != n {
		return nil, fmt.Errorf("takes %d argument%s (%s), got %d", n, plural(n), params(ft), len(args))
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		var pt reflect.Type
		if ft.IsVariadic() && i >= n-1 {
			pt = ft.In(n - 1).Elem()
		} else {
			pt = ft.In(i)
		}
		v, err := Convert(a, pt)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		in[i] = v
	}
	return in, nil
}

// params lists the parameter types of ft.
func params(ft reflect.Type) string {
	var s []string
	for i := 0; i < ft.NumIn(); i++ {
		s = append(s, ft.In(i).String())
	}
	return strings.Join(s, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// PanicError is a panic in a function that a worker called.
type PanicError struct {
	// Value is the panic's value, as text.
	Value string
}

// Error is "panic: " and the value.
func (e *PanicError) Error() string { return "panic: " + e.Value }

// TaskError is the failure of one call on a worker: the function
// panicked, returned an error, or could not be called with the input.
type TaskError struct {
	// Worker is the id of the worker that ran the call.
	Worker int
	// Fn is the function's name, as given to Pmap, Reduce or SpawnAt.
	Fn string
	// Index is the input's position among Pmap's inputs (the chunk's for
	// Reduce, 0 for SpawnAt).
	Index int
	// Input is the input (the arguments, for Args and SpawnAt), as text.
	Input string
	// Err is what went wrong; a *PanicError for a panic.
	Err error
}

// Error names the worker, the call and the input, then what went wrong.
func (e *TaskError) Error() string {
	return fmt.Sprintf("worker %d: %s(%s) (input %d): %v", e.Worker, e.Fn, e.Input, e.Index, e.Err)
}

// Unwrap returns Err.
func (e *TaskError) Unwrap() error { return e.Err }

// remoteError is an error that crossed a process: its text only.
type remoteError struct{ msg string }

func (e remoteError) Error() string { return e.msg }

// errorFrom rebuilds an error sent by a worker: a *PanicError for a panic,
// else its text.
func errorFrom(kind byte, msg string) error {
	if kind == errKindPanic {
		return &PanicError{Value: msg}
	}
	return remoteError{msg}
}

// errKind classifies an error for the wire.
func errKind(err error) (byte, string) {
	var pe *PanicError
	if errors.As(err, &pe) {
		return errKindPanic, pe.Value
	}
	return errKindError, err.Error()
}

const (
	errKindNone  byte = 0
	errKindError byte = 1
	errKindPanic byte = 2
)
