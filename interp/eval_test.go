package interp

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// TestInterrupt checks that a cancelled context stops a cell promptly, that
// interrupted code never resumes, and that earlier definitions are kept.
func TestInterrupt(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "kept := 42\nresumed := false")
	for _, code := range []string{
		"for {}",
		"ch := make(chan int)\n<-ch",
		"time.Sleep(time.Hour)\nresumed = true",
		"select {}",
		"parlib.For(1<<40, func(i int) { })",
		"var wg sync.WaitGroup\nwg.Add(1)\ngo func() { defer wg.Done(); for {} }()\nwg.Wait()\nresumed = true",
		"func spin() { for {} }\nspin()",
		// A blocking call of compiled code that nothing can interrupt: the
		// cell returns at once, and the next one waits for the call to end
		// (at most a second after the interrupt: see TestLeftBehind).
		"if true {\n\tfmt.Println(\"READY\")\n\texec.Command(\"sleep\", \"0.2\").Run()\n\tresumed = true\n}",
	} {
		for _, immediate := range []bool{false, true} {
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan struct{})
			out := &testOutput{ready: ready}
			done := make(chan engine.ExecuteResult, 1)
			src := code
			if !strings.Contains(code, "READY") {
				src = "fmt.Println(\"READY\")\n" + code
			}
			go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: src}, out) }()
			if !immediate {
				<-ready // the cell runs its blocking statement next
			}
			start := time.Now()
			cancel()
			select {
			case res := <-done:
				if d := time.Since(start); d > time.Second {
					t.Errorf("%q: returned %v after cancel", code, d)
				}
				if res.Err == nil || res.Err.Kind != engine.Interrupt {
					t.Errorf("%q (immediate %v): want Interrupt, got %+v", code, immediate, res.Err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%q: not interrupted", code)
			}
			r, _ := mustRun(t, e, "kept")
			if r != "42" {
				t.Fatalf("after interrupting %q: kept = %s", code, r)
			}
			if r, _ := mustRun(t, e, "resumed"); r != "false" {
				t.Fatalf("interrupted cell %q resumed", code)
			}
		}
	}
}

// TestInterruptStopsBackgroundGoroutines documents what an interrupt does
// to goroutines that earlier cells started: they stop too (yaegi stops all
// interpreted code of the interpreter), after running their deferred calls.
func TestInterruptStopsBackgroundGoroutines(t *testing.T) {
	e := newEngine(t)
	// The goroutine has registered its deferred call when the cell ends
	// (stopped before its first statement, it would not run it).
	mustRun(t, e, "var ticks atomic.Int64\nstopped, started := make(chan bool), make(chan bool)\ngo func() { defer close(stopped); close(started); for { ticks.Add(1); time.Sleep(time.Millisecond) } }()\n<-started")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan engine.ExecuteResult)
	go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: "for {}"}, &testOutput{}) }()
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want Interrupt, got %+v", res.Err)
	}
	if r, _ := mustRun(t, e, "<-stopped\n\"stopped\""); r != `"stopped"` {
		t.Fatalf("background goroutine: %s", r)
	}
	// A goroutine in a long parlib call: the interrupt makes parlib panic
	// with ErrCanceled in it; that must neither kill the process nor be
	// reported as a panic.
	ctx, cancel = context.WithCancel(context.Background())
	ready := make(chan struct{})
	go func() {
		done <- e.Execute(ctx, engine.ExecuteRequest{Code: "go parlib.For(1<<40, func(i int) {})\nfmt.Println(\"READY\")\nselect {}"}, &testOutput{ready: ready})
	}()
	<-ready
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want Interrupt, got %+v", res.Err)
	}
	if res, out := exec(t, e, "1"); res.Err != nil || strings.Contains(out.text("stderr"), "panic") {
		t.Fatalf("after interrupting a parlib goroutine: %v %q", res.Err, out.text("stderr"))
	}
}

// newBlockingEngine is an engine with a compiled package native whose
// Wait blocks until release is called (at the latest when the test ends),
// as I/O would: an interrupt cannot stop it. entered is closed when Wait
// is first called.
func newBlockingEngine(t *testing.T) (e *Engine, entered <-chan struct{}, release func()) {
	in, out := make(chan struct{}), make(chan struct{})
	var once, onceIn sync.Once
	release = func() { once.Do(func() { close(out) }) }
	wait := func() bool {
		onceIn.Do(func() { close(in) })
		<-out
		return true
	}
	e = newEngineWith(t, map[string]reflect.Value{"Wait": reflect.ValueOf(wait)})
	t.Cleanup(release) // before the engine closes
	return e, in, release
}

// interruptWhen runs code and interrupts it once ready is closed.
func interruptWhen(t *testing.T, e *Engine, code string, ready <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan engine.ExecuteResult, 1)
	go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: code}, &testOutput{}) }()
	<-ready
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want Interrupt, got %+v", res.Err)
	}
}

// TestGoroutineOfInterruptedCellIsNoZombie checks that a goroutine started
// by the interrupted statement itself and blocked in compiled code does
// not make the next cell wait, as the statement's own goroutine would
// (goroutines started by cells carry a pprof label of their own).
func TestGoroutineOfInterruptedCellIsNoZombie(t *testing.T) {
	e, entered, _ := newBlockingEngine(t)
	interruptWhen(t, e, "if true {\n\tgo native.Wait()\n\tselect {}\n}", entered)
	out := &testOutput{}
	done := make(chan engine.ExecuteResult, 1)
	go func() { done <- e.Execute(context.Background(), engine.ExecuteRequest{Code: "1"}, out) }()
	select {
	case res := <-done:
		if res.Err != nil || strings.Contains(out.text("stderr"), "waiting") {
			t.Errorf("next cell: %v, stderr %q", res.Err, out.text("stderr"))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the next cell waits for a goroutine the interrupted cell started")
	}
}
