package interp

import (
	"context"
	"testing"

	"github.com/gopar/gopar/engine"
)

// TestStdin checks that fmt.Scanln reads a line from the frontend.
func TestStdin(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{input: func(string) (string, error) { return "gopher 42", nil }}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "var name string\nvar n int\nfmt.Scanln(&name, &n)\nfmt.Sprint(name, n)", AllowStdin: true}, out)
	if res.Err != nil || resultText(res) != `"gopher42"` {
		t.Fatalf("got %q %v", resultText(res), res.Err)
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
