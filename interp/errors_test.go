package interp

import (
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// TestGoroutinePanic checks that a panic in a goroutine started by a cell
// does not kill the process and is reported in that cell or the next one.
func TestGoroutinePanic(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "done := make(chan bool)\ngo func() { defer close(done); panic(\"in go\") }()\n<-done\ntime.Sleep(10*time.Millisecond)")
	if res.Err == nil || res.Err.Kind != engine.Panic || !strings.Contains(res.Err.Value, "in go") {
		t.Fatalf("want the goroutine panic as the cell's error, got %+v", res.Err)
	}
	// A goroutine that panics after its cell ended: reported by the next cell.
	mustRun(t, e, "go func() { time.Sleep(20 * time.Millisecond); var m map[int]int; m[0] = 1 }()")
	deadline := time.Now().Add(10 * time.Second)
	for !hasGoPanic(e) {
		if time.Now().After(deadline) {
			t.Fatal("goroutine panic never recorded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	res, out := exec(t, e, "1")
	if res.Err != nil || !strings.Contains(out.text("stderr"), "nil map") {
		t.Fatalf("late goroutine panic not reported: err %v stderr %q", res.Err, out.text("stderr"))
	}
	// go with a compiled function and hoisted arguments.
	r, _ := mustRun(t, e, "ch := make(chan int, 1)\nv := 5\nsend := func(c chan int, x int) { c <- x }\ngo send(ch, v)\nv = 6\n<-ch")
	if r != "5" {
		t.Fatalf("go statement arguments must be evaluated at the go statement: got %s", r)
	}
}

func hasGoPanic(e *Engine) bool {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	return len(e.st.goPanics) > 0
}

// panicTrace runs the cell def, then the cell call, which must panic, in a
// new engine, and returns the panic's traceback.
func panicTrace(t *testing.T, def, call string) string {
	t.Helper()
	e := newEngine(t)
	mustRun(t, e, def)
	res, _ := exec(t, e, call)
	if res.Err == nil {
		t.Fatalf("%s did not panic", call)
	}
	return strings.Join(res.Err.Traceback, "\n")
}

// TestPanicTraceNamesFunctionsNotWrongLines checks the call chain of a
// panic inside functions that span several lines: yaegi reports the line
// where each function began to run (upstream #1266), so the chain names
// the function and its lines, never a line that did not fail. A one-line
// function keeps its line and source.
func TestPanicTraceNamesFunctionsNotWrongLines(t *testing.T) {
	tb := panicTrace(t, "// boom fails on its third statement.\nfunc boom(i int) int {\n\ts := []int{1}\n\ty := i * 2\n\treturn s[y]\n}\nfunc mid(i int) int { return boom(i) }",
		"apply := func(f func(int) int) {\n\tfmt.Println(\"applying\")\n\tf(3)\n}\napply(mid)")
	for _, want := range []string{"lines 2-6, in boom\n", "line 7, in mid:\n      func mid(i int) int { return boom(i) }", "lines 1-4, in a func literal"} {
		if !strings.Contains(tb, want) {
			t.Errorf("call chain lacks %q:\n%s", want, tb)
		}
	}
	if strings.Contains(tb, "s := []int{1}") || strings.Contains(tb, "applying") {
		t.Errorf("call chain shows a line that did not fail:\n%s", tb)
	}
}

// TestPanicTraceCollapsesRecursion checks that a panic at the bottom of a
// recursion lists the repeated frame once, with the count of its repeats.
func TestPanicTraceCollapsesRecursion(t *testing.T) {
	tb := panicTrace(t, "func down(n int) int {\n\tif n == 0 {\n\t\tpanic(\"bottom\")\n\t}\n\treturn down(n-1) + 1\n}", "down(50)")
	if !strings.Contains(tb, "lines 1-6, in down\n  [the frame above repeated 50 more times]") || strings.Count(tb, "\n") > 5 {
		t.Errorf("call chain of a recursion 51 deep:\n%s", tb)
	}
	// A method runs as two frames of the same lines (the method, the
	// function holding its body): one frame, and a recursion through it
	// counts its calls.
	tb = panicTrace(t, "type stack struct{ items []int }\nfunc (s *stack) pop() int {\n\tn := len(s.items)\n\treturn s.items[n-1]\n}\nfunc (s *stack) drain(k int) int {\n\tif k == 0 {\n\t\treturn s.pop()\n\t}\n\treturn s.drain(k - 1)\n}",
		"var s stack\ns.drain(3)")
	if strings.Count(tb, "lines 2-5, in stack.pop\n") != 1 || !strings.HasSuffix(tb, "lines 6-11, in stack.drain\n  [the frame above repeated 3 more times]") {
		t.Errorf("call chain of a method recursion 4 deep:\n%s", tb)
	}
}

// TestPanicTraceOnlyUserFrames checks that a panic's call chain names only
// cells on the way to the panic: the statement-mode wrapper yaegi reports
// must not be mistaken for the first cell's line 1.
func TestPanicTraceOnlyUserFrames(t *testing.T) {
	e := newEngine(t)
	exec(t, e, "import \"strings\"\nx := strings.Repeat(\"a\", 2)")
	exec(t, e, "func boom() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}")
	res, _ := exec(t, e, "z := 3\nboom()")
	if res.Err == nil {
		t.Fatal("no error from a nil-map write")
	}
	tb := strings.Join(res.Err.Traceback, "\n")
	if !strings.Contains(tb, "in boom") || strings.Contains(tb, `import "strings"`) {
		t.Errorf("call chain names the wrong cells:\n%s", tb)
	}
}
