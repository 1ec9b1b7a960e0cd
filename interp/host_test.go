package interp

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/complete"
)

// TestEngineExportsOnlyTheContract checks that *Engine's exported methods
// are exactly engine.Engine's and engine.IdleInterrupter's: magics and
// completion reach the rest of the engine through host.
func TestEngineExportsOnlyTheContract(t *testing.T) {
	want := map[string]bool{}
	for _, contract := range []reflect.Type{reflect.TypeFor[engine.Engine](), reflect.TypeFor[engine.IdleInterrupter]()} {
		for i := range contract.NumMethod() {
			want[contract.Method(i).Name] = true
		}
	}
	et := reflect.TypeFor[*Engine]()
	for i := range et.NumMethod() {
		if name := et.Method(i).Name; !want[name] {
			t.Errorf("*Engine exports %s, which engine.Engine does not ask for", name)
		}
	}
	if et.NumMethod() != len(want) {
		t.Errorf("*Engine has %d exported methods, engine.Engine and engine.IdleInterrupter %d", et.NumMethod(), len(want))
	}
}

// TestScopeWhileACellRuns checks that completion's view of the globals
// does not wait for, nor evaluate names alongside, a running cell (the
// interpreter is not safe for that): values show again once it ended.
func TestScopeWhileACellRuns(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "counter := 1")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan engine.ExecuteResult, 1)
	go func() {
		done <- e.Execute(ctx, engine.ExecuteRequest{Code: "counter = 2\nfmt.Println(\"READY\")\nselect {}"}, &testOutput{ready: ready})
	}()
	<-ready
	got := make(chan complete.Global, 1)
	go func() { got <- scope{e}.Globals()["counter"] }()
	select {
	case g := <-got:
		if g.Value != "" || g.Type == nil || g.Type.String() != "int" {
			t.Errorf("while a cell runs: counter = %+v, want its type and no value", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("scope.Globals waits for the running cell")
	}
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want Interrupt, got %+v", res.Err)
	}
	if g := (scope{e}).Globals()["counter"]; g.Value != "2" {
		t.Errorf("between cells: counter = %+v, want value 2", g)
	}
}

// TestMagics checks that magic lines run in order with the Go code around
// them, keep line numbers, and that %reset forgets definitions.
func TestMagics(t *testing.T) {
	e := newEngine(t)
	res, out := exec(t, e, "a := 2\n%time a * 21\nfmt.Println(\"after\", a)")
	if res.Err != nil || !strings.Contains(out.text("stdout"), "after 2") {
		t.Fatalf("%v stdout %q", res.Err, out.text("stdout"))
	}
	res, _ = exec(t, e, "%who\nb := 1\n\nundefinedName")
	if res.Err == nil || !strings.Contains(res.Err.Value, "4:1") {
		t.Fatalf("line numbers after a magic: %+v", res.Err)
	}
	exec(t, e, "%reset")
	if res, _ := exec(t, e, "a"); res.Err == nil {
		t.Fatal("a still defined after %reset")
	}
	if c := e.Complete("strings.ToUp", 12); len(c.Matches) == 0 || c.Matches[0] != "ToUpper" {
		t.Fatalf("completion: %+v", c)
	}
	mustRun(t, e, "// Triple triples.\nfunc Triple(x int) int { return 3 * x }")
	if in := e.Inspect("Triple", 3, 0); !in.Found || !strings.Contains(in.Data["text/plain"].(string), "Triple triples") {
		t.Fatalf("inspect: %+v", in)
	}
}

var _ engine.Engine = (*Engine)(nil)

// TestResetStopsGoroutines checks that %reset stops the goroutines that
// cells started in the interpreter it replaces (their deferred calls run).
func TestResetStopsGoroutines(t *testing.T) {
	started, stopped := make(chan struct{}), make(chan struct{})
	e := newEngineWith(t, map[string]reflect.Value{
		"Started": reflect.ValueOf(func() { close(started) }),
		"Stopped": reflect.ValueOf(func() { close(stopped) }),
	})
	mustRun(t, e, "go func() { defer native.Stopped(); native.Started(); for { time.Sleep(time.Millisecond) } }()")
	// A goroutine stopped before its first step would never defer anything.
	<-started
	mustRun(t, e, "%reset")
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("a goroutine of the replaced interpreter still runs")
	}
}
