package interp

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// TestExitAsksConsoleToQuit checks that a bare exit or quit ends a console
// session (an ask_exit payload) unless the user defined the name.
func TestExitAsksConsoleToQuit(t *testing.T) {
	e := newEngine(t)
	for _, code := range []string{"exit", "quit()", " exit() \n"} {
		res, _ := exec(t, e, code)
		if res.Err != nil || len(res.Payloads) != 1 || res.Payloads[0]["source"] != "ask_exit" {
			t.Errorf("%q: err %v payloads %v, want ask_exit", code, res.Err, res.Payloads)
		}
	}
	exec(t, e, "exit := 7")
	if res, _ := exec(t, e, "exit"); len(res.Payloads) != 0 || resultText(res) != "7" {
		t.Errorf("a user variable named exit: payloads %v result %q", res.Payloads, resultText(res))
	}
}

// TestExecuteRecoversItsOwnPanics checks that a panic in the engine's own
// pipeline (here injected where a chunk is handed to yaegi) does not escape
// Execute: the cell fails with an InternalError that says to report it, and
// the engine goes on with what earlier cells defined.
func TestExecuteRecoversItsOwnPanics(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "kept := 41")
	debugChunk = func(string) { panic("injected failure") }
	res, _ := func() (engine.ExecuteResult, *testOutput) {
		defer func() { debugChunk = nil }()
		return exec(t, e, "kept + 1")
	}()
	if res.Err == nil || res.Err.Kind != engine.InternalError {
		t.Fatalf("want an InternalError, got %+v", res.Err)
	}
	tb := res.Err.String()
	for _, want := range []string{"injected failure", "In [", "please report", issuesURL, "interp.(*Engine).evalChunk"} {
		if !strings.Contains(tb, want) {
			t.Errorf("the error does not say %q:\n%s", want, tb)
		}
	}
	if r, _ := mustRun(t, e, "kept + 1"); r != "42" {
		t.Errorf("after the internal error: %q, want 42", r)
	}
}

// TestInputPrompt checks that what a cell printed without a newline before
// it reads stdin is the input's prompt (as Python's input(prompt)), not a
// stream of its own, and that unfinished lines still show otherwise.
func TestInputPrompt(t *testing.T) {
	e := newEngine(t)
	var prompts []string
	out := &testOutput{input: func(p string) (string, error) { prompts = append(prompts, p); return "Ada", nil }}
	code := "fmt.Println(\"hello\")\nfmt.Print(\"name? \")\nvar name string\nfmt.Scanln(&name)\nfmt.Print(\"hi \", name)"
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code, AllowStdin: true}, out)
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if len(prompts) != 1 || prompts[0] != "name? " {
		t.Errorf("prompts %q, want [\"name? \"]", prompts)
	}
	if got := out.text("stdout"); got != "hello\nhi Ada" {
		t.Errorf("stdout %q, want %q", got, "hello\nhi Ada")
	}
	// A partial line shows on its own after a moment while the cell runs:
	// native.Wait returns true once "c" has reached the frontend.
	ready := make(chan struct{})
	e = newEngineWith(t, map[string]reflect.Value{"Wait": reflect.ValueOf(func() bool {
		select {
		case <-ready:
			return true
		case <-time.After(30 * time.Second):
			return false
		}
	})})
	out = &testOutput{ready: ready, marker: "c"}
	res = e.Execute(context.Background(), engine.ExecuteRequest{Code: "fmt.Print(\"a\")\nfmt.Fprint(os.Stderr, \"b\")\nfmt.Print(\"c\")\nnative.Wait()"}, out)
	if res.Err != nil || resultText(res) != "true" {
		t.Fatalf("the partial line did not show while the cell ran: %q %v", resultText(res), res.Err)
	}
	if o, e := out.text("stdout"), out.text("stderr"); o != "ac" || e != "b" {
		t.Errorf("stdout %q, stderr %q", o, e)
	}
}
