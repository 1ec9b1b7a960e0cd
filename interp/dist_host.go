package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"reflect"

	"github.com/gopar/gopar/dist"
	"github.com/gopar/gopar/engine"
)

// distHost is the Go engine of a worker process (`gopar worker`): package
// dist's Host over an Engine, so that a worker has the packages and
// symbols of the kernel and runs %%everywhere cells as the kernel runs
// cells.
type distHost struct {
	e   *Engine
	out engine.Output
}

var _ dist.Host = (*distHost)(nil)

// NewDistHost creates the engine of a worker process, whose output goes to
// out (dist.NewHost's signature: pass it to dist.RunWorker).
func NewDistHost(out engine.Output) (dist.Host, error) {
	e, err := New(Options{})
	if err != nil {
		return nil, err
	}
	return &distHost{e: e, out: out}, nil
}

// Exec implements dist.Host: src runs as a cell.
func (h *distHost) Exec(ctx context.Context, src string) error {
	res := h.e.Execute(ctx, engine.ExecuteRequest{Code: src}, h.out)
	if res.Err != nil {
		return res.Err
	}
	return nil
}

// Lookup implements dist.Host: name is a cell's name ("test") or a
// package's ("parlib.SlowSeries").
func (h *distHost) Lookup(name string) (reflect.Value, error) {
	x, err := parser.ParseExpr(name)
	ok := err == nil
	switch x := x.(type) {
	case *ast.Ident:
	case *ast.SelectorExpr:
		_, ok = x.X.(*ast.Ident)
	default:
		ok = false
	}
	if !ok {
		return reflect.Value{}, fmt.Errorf("%q is not a name (f, or pkg.F)", name)
	}
	v, err := h.eval(name)
	if _, sel := x.(*ast.SelectorExpr); err != nil && sel {
		// A package that no cell has used yet: a cell that uses it has the
		// engine import it.
		res := h.e.Execute(context.Background(), engine.ExecuteRequest{Code: "_ = " + name, Silent: true}, h.out)
		if res.Err == nil {
			v, err = h.eval(name)
		}
	}
	if err != nil {
		return reflect.Value{}, fmt.Errorf("undefined: %s", name)
	}
	return v, nil
}

// eval evaluates a name in the interpreter.
func (h *distHost) eval(name string) (reflect.Value, error) {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	return h.e.st.it.Eval(name)
}

// Define implements dist.Host: a cell declares the variable with v's type
// (the engine then knows it as a cell's variable), and v is stored in it.
func (h *distHost) Define(name string, v reflect.Value) error {
	typ := v.Type().String()
	if err := h.Exec(context.Background(), fmt.Sprintf("var %s %s", name, typ)); err != nil {
		return err
	}
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	p, err := h.e.st.it.Eval("&" + name)
	if err != nil {
		return err
	}
	if p.Kind() != reflect.Pointer || !v.Type().AssignableTo(p.Type().Elem()) {
		return fmt.Errorf("cannot store a %s in %s (%s)", v.Type(), name, p.Type())
	}
	p.Elem().Set(v)
	return nil
}

// Run implements dist.Host: f runs with ctx as the cell's context
// (parlib.Context, and time.Sleep in cells wakes on its cancellation) and
// the engine's output going to the worker's; Run returns once that output
// is passed on.
func (h *distHost) Run(ctx context.Context, f func()) {
	e := h.e
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	e.resumeLocked(st, h.out) // the stop of an earlier cancelled call ends here
	e.begin(ctx, h.out, false)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			// Interpreted code stops at its next step; time.Sleep and
			// parlib calls return.
			st.stop()
		case <-done:
		}
	}()
	defer func() {
		close(done)
		e.cap.sync()
		e.end()
	}()
	f()
}

// Close implements io.Closer: it closes the engine.
func (h *distHost) Close() error { return h.e.Close() }
