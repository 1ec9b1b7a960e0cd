package interp

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/dist"
	"github.com/gopar/gopar/engine"
)

// distOutput collects what a worker's engine prints.
type distOutput struct {
	mu  sync.Mutex
	out strings.Builder
}

func (o *distOutput) Stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.out.WriteString(text)
}
func (o *distOutput) Display(engine.Display) {}
func (o *distOutput) Clear(bool)             {}
func (o *distOutput) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}
func (o *distOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

func newDistHost(t *testing.T) (*distHost, *distOutput) {
	t.Helper()
	out := &distOutput{}
	h, err := NewDistHost(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.(*distHost).Close() })
	return h.(*distHost), out
}

// callIn calls fn with args inside h.Run, as a worker does.
func callIn(h *distHost, ctx context.Context, fn reflect.Value, args ...any) []reflect.Value {
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		v, err := dist.Convert(a, fn.Type().In(i))
		if err != nil {
			panic(err)
		}
		in[i] = v
	}
	var out []reflect.Value
	h.Run(ctx, func() { out = fn.Call(in) })
	return out
}

func TestDistHostExecLookupCall(t *testing.T) {
	h, out := newDistHost(t)
	ctx := context.Background()
	src := "type Point struct{ X, Y int }\n" +
		"func test(n int) int { fmt.Println(\"test\", n); return n * n }\n" +
		"func norm(p Point) int { return p.X*p.X + p.Y*p.Y }\n" +
		"func mk(x int) Point { return Point{x, -x} }"
	if err := h.Exec(ctx, src); err != nil {
		t.Fatal(err)
	}
	fn, err := h.Lookup("test")
	if err != nil {
		t.Fatal(err)
	}
	if got := callIn(h, ctx, fn, 7); got[0].Int() != 49 {
		t.Errorf("test(7) = %v", got[0])
	}
	// What the call printed was passed on before Run returned.
	if !strings.Contains(out.String(), "test 7\n") {
		t.Errorf("output %q lacks the call's line", out)
	}
	// A struct as it arrives from another process: the unnamed struct of
	// the same fields, which is the cell's Point.
	data, _ := dist.Marshal(struct{ X, Y int }{3, 4})
	p, _ := dist.Unmarshal(data)
	fn, _ = h.Lookup("norm")
	if got := callIn(h, ctx, fn, p); got[0].Int() != 25 {
		t.Errorf("norm(3,4) = %v", got[0])
	}
	fn, _ = h.Lookup("mk")
	if _, err := dist.Marshal(callIn(h, ctx, fn, 2)[0].Interface()); err != nil {
		t.Errorf("a cell's struct cannot be sent back: %v", err)
	}
	// Compiled functions are found by their package's name.
	if fn, err := h.Lookup("parlib.CholeskyTask"); err != nil || fn.Kind() != reflect.Func {
		t.Errorf("Lookup(parlib.CholeskyTask) = %v, %v", fn, err)
	}
	for _, bad := range []string{"nosuch", "1+2", "f()", "a.b.c"} {
		if _, err := h.Lookup(bad); err == nil {
			t.Errorf("Lookup(%q): no error", bad)
		}
	}
	if err := h.Exec(ctx, "x := undefinedThing"); err == nil || !strings.Contains(err.Error(), "undefinedThing") {
		t.Errorf("a failing cell: %v", err)
	}
}

func TestDistHostDefine(t *testing.T) {
	h, _ := newDistHost(t)
	ctx := context.Background()
	for _, v := range []any{[]float64{1.5, 2}, map[string]int{"a": 1}, struct{ X, Y int }{1, 2}, 42, any(nil)} {
		rv := reflect.ValueOf(v)
		if v == nil {
			rv = reflect.Zero(reflect.TypeFor[any]())
		}
		if err := h.Define("x", rv); err != nil {
			t.Fatalf("Define(x, %#v): %v", v, err)
		}
		if err := h.Exec(ctx, "func getx() any { return x }"); err != nil {
			t.Fatal(err)
		}
		fn, _ := h.Lookup("getx")
		got := callIn(h, ctx, fn)[0].Interface()
		if !reflect.DeepEqual(got, v) {
			t.Errorf("after Define(x, %#v), x = %#v", v, got)
		}
	}
}

func TestDistHostRunCancel(t *testing.T) {
	h, _ := newDistHost(t)
	if err := h.Exec(context.Background(), "func nap() string { time.Sleep(time.Minute); return \"woke\" }"); err != nil {
		t.Fatal(err)
	}
	fn, _ := h.Lookup("nap")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		callIn(h, ctx, fn)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // far beyond a wake-up; a failure, not a timing
		t.Fatal("a cancelled task's time.Sleep did not wake")
	}
}
