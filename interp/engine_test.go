package interp

import (
	"strings"
	"testing"

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
