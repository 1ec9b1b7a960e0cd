package kerneltest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

// recorder is an engine.Output that notes each call as one line.
type recorder struct {
	calls []string
	// line is what Input returns; without it, Input fails with ErrNoStdin.
	line string
}

func (r *recorder) Stream(name, text string) {
	r.calls = append(r.calls, fmt.Sprintf("stream %s %q", name, text))
}

func (r *recorder) Display(d engine.Display) {
	r.calls = append(r.calls, fmt.Sprintf("display %s update=%v %v", d.ID, d.Update, d.Data))
}

func (r *recorder) Clear(wait bool) {
	r.calls = append(r.calls, fmt.Sprintf("clear wait=%v", wait))
}

func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	r.calls = append(r.calls, fmt.Sprintf("input %q", prompt))
	if r.line == "" {
		return "", engine.ErrNoStdin
	}
	return r.line, nil
}

func run(e *Engine, code string, out *recorder) engine.ExecuteResult {
	return e.Execute(context.Background(), engine.ExecuteRequest{Code: code}, out)
}

func TestOutputCommands(t *testing.T) {
	out := &recorder{line: "gopher"}
	code := "out:a\nerr:b\nlines:2\ndisplay:x\nupdate:y\nclear\nclear:wait\ninput:Name? \nnot a command"
	res := run(&Engine{}, code, out)
	want := []string{
		`stream stdout "a\n"`,
		`stream stderr "b\n"`,
		`stream stdout "0\n"`,
		`stream stdout "1\n"`,
		`display d1 update=false map[text/html:<b>x</b> text/plain:x]`,
		`display d1 update=true map[text/html:<b>y</b> text/plain:y]`,
		`clear wait=false`,
		`clear wait=true`,
		`input "Name? "`,
		`stream stdout "got gopher\n"`,
	}
	if !slices.Equal(out.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(out.calls, "\n"), strings.Join(want, "\n"))
	}
	if res.Err != nil || res.Result != nil || res.Payloads != nil || res.UserExpressions != nil {
		t.Errorf("result = %+v, want zero", res)
	}
}

func TestResultPayloadsAndUserExpressions(t *testing.T) {
	req := engine.ExecuteRequest{Code: "result:1\npage:help\nresult:2", UserExpressions: map[string]string{"x": "1+1"}}
	res := (&Engine{}).Execute(context.Background(), req, &recorder{})
	if res.Result == nil || res.Result.Data["text/plain"] != "2" {
		t.Errorf("result = %+v, want the last one", res.Result)
	}
	if len(res.Payloads) != 1 || res.Payloads[0]["source"] != "page" {
		t.Errorf("payloads = %v", res.Payloads)
	}
	x, _ := res.UserExpressions["x"].(map[string]any)
	if data, _ := x["data"].(map[string]any); x["status"] != "ok" || data["text/plain"] != "value of 1+1" {
		t.Errorf("user expressions = %v", res.UserExpressions)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		code string
		kind engine.Kind
		tb   string
	}{
		{"fail:boom", FailKind, "ToyError: boom"},
		{"input:x", engine.OtherError, "Error: " + engine.ErrNoStdin.Error()},
	}
	for _, tc := range tests {
		out := &recorder{}
		res := run(&Engine{}, "result:kept\n"+tc.code+"\nout:never", out)
		if res.Err == nil || res.Err.Kind != tc.kind || !slices.Equal(res.Err.Traceback, []string{tc.tb}) {
			t.Errorf("%s: error %#v, want kind %s, traceback %q", tc.code, res.Err, tc.kind, tc.tb)
		}
		if res.Result == nil || res.Result.Data["text/plain"] != "kept" {
			t.Errorf("%s: result %+v, want the one made before the failure", tc.code, res.Result)
		}
		if slices.ContainsFunc(out.calls, func(c string) bool { return strings.Contains(c, "never") }) {
			t.Errorf("%s: the cell went on after failing: %v", tc.code, out.calls)
		}
	}
	defer func() {
		if r := recover(); r != "oops" {
			t.Errorf("panic:oops recovered %v", r)
		}
	}()
	run(&Engine{}, "panic:oops", &recorder{})
	t.Error("panic:oops returned")
}

func TestBlockAndGate(t *testing.T) {
	e := &Engine{Started: make(chan string, 1)}
	// Both wait until the interrupt: a gate that let the cell through would
	// end it without error.
	for _, code := range []string{"block", "gate:never"} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan engine.ExecuteResult)
		go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: code}, &recorder{}) }()
		if got := <-e.Started; got != code {
			t.Errorf("Started received %q, want %q", got, code)
		}
		cancel()
		if res := <-done; !engine.Is(res.Err, engine.Interrupt) {
			t.Errorf("%s: interrupted cell gave %v", code, res.Err)
		}
	}

	done := make(chan engine.ExecuteResult)
	go func() { done <- run(e, "gate:g\nresult:through", &recorder{}) }()
	<-e.Started
	e.Open("g")
	e.Open("g") // opening twice is harmless
	if res := <-done; res.Err != nil || res.Result == nil {
		t.Errorf("after Open: %+v", res)
	}
	go func() { done <- run(e, "gate:g", &recorder{}) }()
	<-e.Started
	if res := <-done; res.Err != nil {
		t.Errorf("an open gate stopped a later cell: %v", res.Err)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	e := &Engine{}
	completions := []struct {
		code    string
		cursor  int
		start   int
		matches []string
		what    string
	}{
		{"pa", 2, 0, []string{"page", "panic"}, "prefix"},
		{"é:x\nou", 6, 4, []string{"out"}, "code points, after a newline"},
		{"outlandish", 2, 0, []string{"out"}, "cursor inside a word"},
		{"zz", 2, 0, nil, "no command"},
	}
	for _, tc := range completions {
		got := e.Complete(tc.code, tc.cursor)
		if !slices.Equal(got.Matches, tc.matches) || got.CursorStart != tc.start || got.CursorEnd != tc.cursor {
			t.Errorf("%s: Complete(%q, %d) = %+v", tc.what, tc.code, tc.cursor, got)
		}
	}
	if all := e.Complete("", 0).Matches; len(all) != len(commands) {
		t.Errorf("empty prefix proposes %v, want every command", all)
	}

	if in := e.Inspect("out", 2, 1); !in.Found || in.Data["text/plain"] != "doc of out at 2 (detail 1)" {
		t.Errorf("Inspect = %+v", in)
	}
	if in := e.Inspect("", 0, 0); in.Found {
		t.Errorf("Inspect of nothing = %+v", in)
	}

	for code, want := range map[string][2]string{`out:x\`: {engine.Incomplete, "  "}, "out:x": {engine.Complete, ""}, "!bad": {engine.Invalid, ""}} {
		if status, indent := e.IsComplete(code); status != want[0] || indent != want[1] {
			t.Errorf("IsComplete(%q) = %q, %q; want %q", code, status, indent, want)
		}
	}
}

func TestInfoAndClose(t *testing.T) {
	e := &Engine{}
	if info := e.Info(); info.Implementation != "kerneltest" || info.LanguageInfo["name"] != "toy" {
		t.Errorf("Info = %+v", info)
	}
	if e.Closed() {
		t.Error("closed before Close")
	}
	if err := e.Close(); err != nil || !e.Closed() {
		t.Errorf("Close = %v, Closed = %v", err, e.Closed())
	}
}
