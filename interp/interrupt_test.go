package interp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// defsForInterrupts defines, before an interrupt, one of each kind of
// definition that an interrupt used to break; checkDefs uses each.
const defsForInterrupts = `func add(a, b int) int { return a + b }
type Adder struct{ base int }
func (a Adder) Add(b int) int { return a.base + b }
var closureVar = func(a, b int) int { return a + b }
closures := map[string]func(int, int) int{"add": func(a, b int) int { return a + b }}
type Holder struct{ F func(int, int) int }
holder := Holder{F: func(a, b int) int { return a + b }}
var sum atomic.Int64
forBody := func(i int) { sum.Add(int64(closureVar(i, 1))) }
spawned := func() any { return closureVar(2, 3) }
var counter atomic.Int64`

// checkDefs uses every definition of defsForInterrupts: the function, the
// method, closures in a variable, a map and a struct, closures handed to
// parlib.For and parlib.Spawn, and to a goroutine started now.
const checkDefs = `sum.Store(0)
parlib.For(3, forBody)
v, _ := parlib.Spawn(spawned).Fetch()
ch := make(chan int)
go func() { ch <- closureVar(2, 3) + add(0, 0) }()
fmt.Sprint(add(2, 3), Adder{2}.Add(3), closureVar(2, 3), closures["add"](2, 3), holder.F(2, 3), sum.Load(), v, <-ch)`

const defsOK = `"5 5 5 5 5 6 5 5"`

// TestInterruptKeepsDefinitions interrupts cells blocked in every way a
// cell can block, and checks that afterwards every earlier definition
// works as before, and that the interrupted loop never resumes.
func TestInterruptKeepsDefinitions(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, defsForInterrupts)
	if r, _ := mustRun(t, e, checkDefs); r != defsOK {
		t.Fatalf("before any interrupt: %s, want %s", r, defsOK)
	}
	// Each loop says READY, then blocks (or spins) where the interrupt
	// comes.
	for _, loop := range []string{
		"for { counter.Add(1); fmt.Println(\"READY\") }",
		"for { counter.Add(1); fmt.Println(\"READY\"); time.Sleep(time.Hour) }",
		"block := make(chan int)\nfor { counter.Add(1); fmt.Println(\"READY\"); <-block }",
		"for { counter.Add(1); fmt.Println(\"READY\"); select {} }",
		"parlib.For(1<<40, func(i int) { counter.Add(1); fmt.Println(\"READY\"); time.Sleep(time.Millisecond) })",
		"func spin() { for { counter.Add(1); fmt.Println(\"READY\") } }\nspin()",
		"for { counter.Add(1); closureVar(1, 1); holder.F(1, 1); Adder{}.Add(1); fmt.Println(\"READY\") }",
	} {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		done := make(chan engine.ExecuteResult, 1)
		go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: loop}, &testOutput{ready: ready}) }()
		<-ready
		cancel()
		if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
			t.Fatalf("%q: want Interrupt, got %+v", loop, res.Err)
		}
		if r, _ := mustRun(t, e, checkDefs); r != defsOK {
			t.Errorf("after interrupting %q: %s, want %s", loop, r, defsOK)
		}
		// The interrupted loop never resumes: the counter stays still.
		if r, _ := mustRun(t, e, "c0 := counter.Load()\ntime.Sleep(20 * time.Millisecond)\ncounter.Load() - c0"); r != "0" {
			t.Errorf("after interrupting %q, its loop still runs: counted %s more", loop, r)
		}
	}
}

// TestLeftBehind interrupts a cell blocked in a call of compiled code
// that an interrupt cannot stop: the next cell runs anyway (after at most
// a second), says where the interrupted code is blocked, and finds every
// definition intact; when the call returns, the rest of the interrupted
// statement runs, and a later cell says it has finished.
func TestLeftBehind(t *testing.T) {
	e, entered, release := newBlockingEngine(t)
	mustRun(t, e, defsForInterrupts+"\nfinished := make(chan bool)")
	interruptWhen(t, e, "\nif true {\n\tnative.Wait()\n\tclose(finished)\n}", entered)
	done := make(chan engine.ExecuteResult, 1)
	next := &testOutput{}
	go func() {
		done <- e.Execute(context.Background(), engine.ExecuteRequest{Code: checkDefs, ExecutionCount: 7}, next)
	}()
	select {
	case res := <-done:
		if res.Err != nil || resultText(res) != defsOK {
			t.Fatalf("the cell after the interrupted one: %q %v, want %s", resultText(res), res.Err, defsOK)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cell after an interrupted one blocked in compiled code does not run")
	}
	note := next.text("stderr")
	if !strings.Contains(note, "line 2 is blocked in a call to compiled code") || !strings.Contains(note, "newBlockingEngine") ||
		!strings.Contains(note, "left behind") {
		t.Errorf("the next cell's stderr does not say where the interrupted code is blocked: %q", note)
	}
	if r, out := mustRun(t, e, "1"); r != "1" || out != "" {
		t.Errorf("a later cell: %q, stdout %q", r, out)
	}
	release()
	res, out := exec(t, e, "<-finished\n\"finished\"")
	if resultText(res) != `"finished"` {
		t.Fatalf("the left-behind statement did not finish: %q %v", resultText(res), res.Err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := out.text("stderr"); strings.Contains(s, "left behind") {
			if !strings.Contains(s, "has finished") {
				t.Errorf("note: %q", s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no cell says that the left-behind evaluation finished")
		}
		time.Sleep(5 * time.Millisecond) // its goroutine ends soon after the statement: no signal tells when
		_, out = exec(t, e, "1")
	}
}

// TestMutexDeadlockInterrupted: a cell that deadlocks on a mutex is
// interrupted; later cells run and keep the state.
func TestMutexDeadlockInterrupted(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "kept := 42\nfunc twice(x int) int { return 2 * x }")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan engine.ExecuteResult, 1)
	before := runningEvaluations()
	go func() {
		done <- e.Execute(ctx, engine.ExecuteRequest{Code: "var mu sync.Mutex\nmu.Lock()\nmu.Lock()"}, &testOutput{})
	}()
	waitBlockedIn(t, before, "sync.(*Mutex).Lock")
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want Interrupt, got %+v", res.Err)
	}
	res, out := exec(t, e, "twice(kept)")
	if res.Err != nil || resultText(res) != "84" {
		t.Fatalf("after a deadlock was interrupted: %q %v", resultText(res), res.Err)
	}
	if s := out.text("stderr"); !strings.Contains(s, "sync.(*Mutex).Lock") {
		t.Errorf("the note does not name the blocking call: %q", s)
	}
	if r, _ := mustRun(t, e, "kept + 1"); r != "43" {
		t.Errorf("a later cell: %s", r)
	}
}

// waitBlockedIn waits until an evaluation that is not among before is
// blocked in the compiled function fn (no signal tells: it polls).
func waitBlockedIn(t *testing.T, before map[string]string, fn string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for id, in := range runningEvaluations() {
			if _, old := before[id]; !old && in == fn {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation blocks in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInterruptIdle checks that an interrupt while no cell runs stops the
// goroutines earlier cells left running (sleeping or computing, or a
// goroutine that an interrupt did not stop, as it was blocked in compiled
// code then), and keeps every definition.
func TestInterruptIdle(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, defsForInterrupts)
	mustRun(t, e, `var ticks, spins atomic.Int64
started := make(chan bool, 2)
sleeper, spinner := make(chan bool), make(chan bool)
go func() { defer close(sleeper); started <- true; for { ticks.Add(1); time.Sleep(time.Hour) } }()
go func() { defer close(spinner); started <- true; for { spins.Add(1) } }()
<-started
<-started`)
	e.InterruptIdle()
	if r, _ := mustRun(t, e, "<-sleeper\n<-spinner\n\"stopped\""); r != `"stopped"` {
		t.Fatalf("goroutines: %s", r)
	}
	if r, _ := mustRun(t, e, checkDefs); r != defsOK {
		t.Errorf("after an idle interrupt: %s, want %s", r, defsOK)
	}

	// A goroutine blocked in compiled code (wg.Wait) while a cell is
	// interrupted survives, and runs on once the call returns; an idle
	// interrupt stops it.
	mustRun(t, e, `var wg sync.WaitGroup
wg.Add(1)
left, waiting := make(chan bool), make(chan bool)
go func() { defer close(left); close(waiting); wg.Wait(); for { ticks.Add(1); time.Sleep(time.Millisecond) } }()
<-waiting`)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan engine.ExecuteResult, 1)
	go func() {
		done <- e.Execute(ctx, engine.ExecuteRequest{Code: "fmt.Println(\"READY\")\nselect {}"}, &testOutput{ready: ready})
	}()
	<-ready
	cancel()
	<-done
	mustRun(t, e, "ticks.Store(0)\nwg.Done()\nfor ticks.Load() == 0 { time.Sleep(time.Millisecond) }")
	e.InterruptIdle()
	if r, _ := mustRun(t, e, "<-left\n\"stopped\""); r != `"stopped"` {
		t.Fatalf("leftover goroutine: %s", r)
	}
	if r, _ := mustRun(t, e, checkDefs); r != defsOK {
		t.Errorf("after an idle interrupt: %s, want %s", r, defsOK)
	}
}
