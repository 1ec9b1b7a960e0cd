package interp

import (
	"context"
	"fmt"
	"log"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

// TestDisplay checks that display functions called by a cell reach the
// cell's Output as display_data, and rich results come with MIME types.
func TestDisplay(t *testing.T) {
	e := newEngine(t)
	r0, out := exec(t, e, `display.HTML("<b>hi</b>")
display.Markdown("# T")
display.Clear(true)`)
	if len(out.displays) != 2 || out.displays[0].Data["text/html"] != "<b>hi</b>" || out.clears != 1 {
		t.Fatalf("displays %+v clears %d err %v", out.displays, out.clears, r0.Err)
	}
	res, _ := exec(t, e, "p := plot.New()\np.Add(plotter.NewGrid())\np")
	if res.Err != nil || res.Result == nil || res.Result.Data["image/png"] == nil {
		t.Fatalf("plot result: %+v %v", res.Result, res.Err)
	}
}

// TestStdin checks that fmt.Scanln reads a line from the frontend.
func TestStdin(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{input: func(string) (string, error) { return "gopher 42", nil }}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "var name string\nvar n int\nfmt.Scanln(&name, &n)\nfmt.Sprint(name, n)", AllowStdin: true}, out)
	if res.Err != nil || resultText(res) != `"gopher42"` {
		t.Fatalf("got %q %v", resultText(res), res.Err)
	}
}

// TestSilentAndUserExpressions checks the request flags.
func TestSilentAndUserExpressions(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "z := 3\nz * 2", Silent: true,
		UserExpressions: map[string]string{"double": "z*2", "bad": "nope"}}, out)
	if res.Err != nil || res.Result != nil {
		t.Fatalf("silent cell: %+v %v", res.Result, res.Err)
	}
	ok, _ := res.UserExpressions["double"].(map[string]any)
	if ok["status"] != "ok" || ok["data"].(engine.Bundle)["text/plain"] != "6" {
		t.Fatalf("user expression: %+v", res.UserExpressions["double"])
	}
	if bad, _ := res.UserExpressions["bad"].(map[string]any); bad["status"] != "error" {
		t.Fatalf("bad user expression: %+v", res.UserExpressions["bad"])
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

// TestStdinReader checks that os.Stdin in a cell reads through the frontend.
func TestStdinReader(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{input: func(string) (string, error) { return "line one", nil }}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "sc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nsc.Text()", AllowStdin: true}, out)
	if res.Err != nil || resultText(res) != `"line one"` {
		t.Fatalf("got %q %v", resultText(res), res.Err)
	}
}

// TestMethods checks pointer receivers, Stringer and interfaces with the
// engine's late-bound methods.
func TestMethods(t *testing.T) {
	e := newEngine(t)
	r, _ := mustRun(t, e, `type Counter struct{ N int }
func (c *Counter) Inc(by ...int) { for _, b := range by { c.N += b } }
func (c Counter) String() string { return fmt.Sprintf("Counter(%d)", c.N) }
c := &Counter{}
c.Inc(1, 2)
var s fmt.Stringer = *c
s.String()`)
	if r != `"Counter(3)"` {
		t.Fatalf("got %s", r)
	}
	r, _ = mustRun(t, e, "func (c Counter) String() string { return \"v2\" }\nfmt.Sprint(*c)")
	if r != `"v2"` {
		t.Fatalf("redefined String: got %s", r)
	}
}

// TestInterruptStopsBackgroundGoroutines documents what an interrupt does
// to goroutines that earlier cells started: they stop too (yaegi stops all
// interpreted code of the interpreter), after running their deferred calls.
func TestInterruptStopsBackgroundGoroutines(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "var ticks atomic.Int64\nstopped := make(chan bool)\ngo func() { defer close(stopped); for { ticks.Add(1); time.Sleep(time.Millisecond) } }()")
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

// TestRichResult checks that a cell-defined type with display methods is
// rendered with its MIME types, and a Stringer with its String method.
func TestRichResult(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "type Badge struct{ S string }\nfunc (b Badge) HTML() string { return \"<i>\" + b.S + \"</i>\" }\nfunc (b Badge) String() string { return \"badge \" + b.S }\nBadge{\"x\"}")
	if res.Err != nil || res.Result == nil {
		t.Fatalf("%+v", res.Err)
	}
	if res.Result.Data["text/html"] != "<i>x</i>" || res.Result.Data["text/plain"] != "badge x" {
		t.Fatalf("bundle %+v", res.Result.Data)
	}
}

// TestNativeOutput checks that output of compiled code (here a package given
// through Options.Symbols) reaches the cell's streams.
func TestNativeOutput(t *testing.T) {
	e, err := New(Options{Symbols: map[string]map[string]reflect.Value{
		"gopar.test/native/native": {"Hello": reflect.ValueOf(func() {
			fmt.Println("native out")
			fmt.Fprintln(os.Stderr, "native err")
			log.Print("native log")
		})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	if res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "native.Hello()"}, out); res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if out.text("stdout") != "native out\n" || !strings.Contains(out.text("stderr"), "native err\n") ||
		!strings.Contains(out.text("stderr"), "native log") {
		t.Fatalf("stdout %q stderr %q", out.text("stdout"), out.text("stderr"))
	}
}

// TestGo121Builtins checks min, max and clear, which yaegi lacks.
func TestGo121Builtins(t *testing.T) {
	e := newEngine(t)
	r, _ := mustRun(t, e, "a, b := 4, 9\nm := map[int]int{1: 1}\nclear(m)\ns := []int{1, 2}\nclear(s)\nfmt.Sprint(min(a, b)+1, max(2.5, 1.0), min(\"b\", \"a\"), len(m), s)")
	if r != `"5 2.5a0 [0 0]"` {
		t.Fatalf("got %s", r)
	}
}
