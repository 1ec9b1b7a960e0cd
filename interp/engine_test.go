package interp

import "testing"

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
