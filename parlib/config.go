package parlib

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
)

// MaxThreads is the largest thread count parlib accepts; more is taken to be
// a mistake (a size passed where a thread count was meant).
const MaxThreads = 4096

// ErrCanceled is wrapped by the error a parlib call panics with (or returns)
// when its context is done. Test for it with errors.Is; the context's cause
// is wrapped too.
var ErrCanceled = errors.New("parlib: canceled")

type ctxBox struct{ ctx context.Context }

var (
	curCtx         atomic.Pointer[ctxBox]
	defaultThreads atomic.Int64
	progressFn     atomic.Pointer[ProgressFunc]
)

func init() {
	defaultThreads.Store(int64(runtime.GOMAXPROCS(0)))
}

// SetContext sets the context that long-running parlib calls observe (the
// notebook engine sets one per cell). A nil ctx means context.Background().
func SetContext(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	curCtx.Store(&ctxBox{ctx})
}

// Context returns the context set by SetContext (context.Background() if
// none was set).
func Context() context.Context {
	if b := curCtx.Load(); b != nil {
		return b.ctx
	}
	return context.Background()
}

// SetDefaultThreads sets the thread count used when a call is given
// threads <= 0. n <= 0 restores runtime.GOMAXPROCS(0).
func SetDefaultThreads(n int) {
	if n > MaxThreads {
		panic(fmt.Sprintf("parlib.SetDefaultThreads: n = %d must be <= %d", n, MaxThreads))
	}
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	defaultThreads.Store(int64(n))
}

// DefaultThreads returns the thread count used when a call is given
// threads <= 0.
func DefaultThreads() int { return int(defaultThreads.Load()) }

// SetProgress installs f to receive the progress of long runs (Scaling,
// Bench); nil removes it. parlib rate-limits the calls itself: at most one
// call per step of the run, and at most one every 50 ms except for the first
// and the last step, so f may redraw a progress bar directly.
func SetProgress(f ProgressFunc) {
	if f == nil {
		progressFn.Store(nil)
		return
	}
	progressFn.Store(&f)
}

// checkThreads resolves a thread count: <= 0 means DefaultThreads().
func checkThreads(fn string, threads int) int {
	if threads > MaxThreads {
		panic(fmt.Sprintf("parlib.%s: threads = %d must be <= %d", fn, threads, MaxThreads))
	}
	if threads <= 0 {
		return DefaultThreads()
	}
	return threads
}

func checkN(fn, name string, n int) {
	if n < 0 {
		panic(fmt.Sprintf("parlib.%s: %s = %d must be >= 0", fn, name, n))
	}
}

func checkFunc(fn, name string, isNil bool) {
	if isNil {
		panic(fmt.Sprintf("parlib.%s: %s must not be nil", fn, name))
	}
}

// cancelErr returns a non-nil error wrapping ErrCanceled if ctx is done.
func cancelErr(ctx context.Context) error {
	done := ctx.Done()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return canceledError(ctx)
	default:
		return nil
	}
}

func canceledError(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
}

// PanicError is a panic recovered in a worker goroutine or task, handed back
// to the caller as an error.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is a summary of the panicking goroutine's stack.
	Stack string
}

// Error reports the panic value and the stack summary.
func (e *PanicError) Error() string {
	return fmt.Sprintf("parlib: panic in worker: %v\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error (so that errors.Is sees
// through it, e.g. to ErrCanceled), else nil.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// newPanicError captures the current stack, dropping the runtime and parlib
// recovery frames and keeping at most a dozen frames.
func newPanicError(v any) *PanicError {
	if pe, ok := v.(*PanicError); ok {
		return pe
	}
	lines := strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")
	// lines[0] is "goroutine N [running]:", then pairs (func, file:line).
	var keep []string
	for i := 1; i+1 < len(lines); i += 2 {
		fn := lines[i]
		if strings.HasPrefix(fn, "runtime/debug.Stack") || strings.HasPrefix(fn, "panic(") ||
			strings.HasPrefix(fn, "runtime.") || strings.Contains(fn, "parlib.newPanicError") ||
			strings.Contains(fn, "parlib.catch") {
			continue
		}
		keep = append(keep, fn, lines[i+1])
		if len(keep) >= 24 {
			keep = append(keep, "\t...")
			break
		}
	}
	return &PanicError{Value: v, Stack: strings.Join(keep, "\n")}
}

// catch runs f, turning a panic into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	f()
	return nil
}

// raise re-panics err in the caller's goroutine: cancellation as a plain
// error wrapping ErrCanceled, panics as the *PanicError.
func raise(err error) {
	if err != nil {
		var pe *PanicError
		if errors.As(err, &pe) && errors.Is(err, ErrCanceled) {
			panic(pe.Unwrap())
		}
		panic(err)
	}
}
