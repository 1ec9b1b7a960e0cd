package dist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// The tests start workers as processes of the test binary itself: with
// envTestWorker set, TestMain runs RunWorker with a stubHost instead of
// the tests.
const envTestWorker = "GOPAR_DIST_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(envTestWorker) == "1" {
		os.Exit(testWorkerMain())
	}
	os.Exit(m.Run())
}

func testWorkerMain() int {
	cfg := WorkerConfigFromEnv()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if cfg.Local {
		signal.Ignore(os.Interrupt)
	}
	err := RunWorker(ctx, cfg, func(out engine.Output) (Host, error) { return newStubHost(out), nil })
	if err != nil && !errors.Is(err, ErrMasterGone) {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// stubHost is a Host without an interpreter: its functions are Go
// functions, and its "cells" are lines of commands:
//
//	print TEXT   prints TEXT
//	fail TEXT    fails with TEXT
type stubHost struct {
	out   engine.Output
	ctx   context.Context
	vars  map[string]any
	execs []string
	funcs map[string]any
}

func newStubHost(out engine.Output) *stubHost {
	h := &stubHost{out: out, ctx: context.Background(), vars: map[string]any{}}
	type point struct {
		X, Y int
		Name string
	}
	h.funcs = map[string]any{
		"square": func(x int) int { return x * x },
		"add":    func(a, b int) int { return a + b },
		"echo":   func(x any) any { return x },
		"nop":    func(x int) int { return x },
		"pid":    func(any) int { return os.Getpid() },
		"boom": func(x int) int {
			if x == 3 {
				panic(fmt.Sprintf("boom at %d", x))
			}
			return x
		},
		"fails": func(x int) (int, error) {
			if x == 2 {
				return 0, errors.New("two is not allowed")
			}
			return x, nil
		},
		"say": func(s string) { h.printf("%s\n", s) },
		// slow prints "start I" and takes about 20 ms.
		"slow": func(i int) int {
			h.printf("start %d\n", i)
			select {
			case <-time.After(20 * time.Millisecond):
			case <-h.ctx.Done():
			}
			return i * 10
		},
		// block waits until its task is cancelled (at most a minute).
		"block": func(i int) int {
			h.printf("blocking %d\n", i)
			select {
			case <-h.ctx.Done():
				h.printf("cancelled %d\n", i)
			case <-time.After(time.Minute):
			}
			return i
		},
		// stubborn ignores cancellation, as an interpreted loop does.
		"stubborn": func(i int) int {
			h.printf("stubborn %d\n", i)
			time.Sleep(time.Minute)
			return i
		},
		// crash ends the worker's process, as a fatal error in a call does.
		"crash": func(i int) int {
			if i == 1 {
				fmt.Fprintln(os.Stderr, "fatal error: crash on purpose")
				os.Exit(2)
			}
			return i
		},
		"get":     func(name string) any { return h.vars[name] },
		"execs":   func() []string { return h.execs },
		"partial": partialHarmonic,
		"chol":    func(size, seed int) float64 { return parlib.CholeskyTask(size, uint64(seed)) },
		"norm":    func(p point) int { return p.X*p.X + p.Y*p.Y },
		"mirror":  func(p point) point { return point{p.Y, p.X, strings.ToUpper(p.Name)} },
		"sumall": func(xs []float64) float64 {
			s := 0.0
			for _, x := range xs {
				s += x
			}
			return s
		},
		"ch": func(int) chan int { return make(chan int) },
	}
	return h
}

// partialHarmonic is the sum of 1/k for k in [lo, hi).
func partialHarmonic(lo, hi int) float64 {
	s := 0.0
	for k := lo; k < hi; k++ {
		s += 1 / float64(k)
	}
	return s
}

func (h *stubHost) printf(format string, args ...any) {
	h.out.Stream("stdout", fmt.Sprintf(format, args...))
}

func (h *stubHost) Exec(ctx context.Context, src string) error {
	h.execs = append(h.execs, src)
	for _, l := range strings.Split(src, "\n") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch cmd {
		case "print":
			h.printf("%s\n", arg)
		case "fail":
			return errors.New(arg)
		}
	}
	return nil
}

func (h *stubHost) Lookup(name string) (reflect.Value, error) {
	f, ok := h.funcs[name]
	if !ok {
		return reflect.Value{}, fmt.Errorf("undefined: %s", name)
	}
	return reflect.ValueOf(f), nil
}

func (h *stubHost) Define(name string, v reflect.Value) error {
	h.vars[name] = v.Interface()
	return nil
}

func (h *stubHost) Run(ctx context.Context, f func()) {
	h.ctx = ctx
	defer func() { h.ctx = context.Background() }()
	f()
}
